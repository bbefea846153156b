import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { CharrnnError } from "@charrnn/vocab";

/** Name of the lock file a training run holds in its output directory. */
export const LOCK_FILE = "train.lock";

/** A held lock; `release` removes the file (idempotent). */
export interface DirLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes the lock of `outDir` so that no second process writes checkpoints there: the lock file is
 * created with O_EXCL and holds our pid. A lock whose pid no longer runs (a crashed or killed run) is
 * stale and taken over; a live one is a `CharrnnError` "OUTDIR_LOCKED" naming the directory and the
 * process.
 */
export function acquireDirLock(outDir: string): DirLock {
  const path = join(outDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o644);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") {
        throw new CharrnnError(
          "OUTDIR_UNWRITABLE",
          `cannot create ${path}: ${(error as Error).message}; choose a writable outDir`,
          { cause: error },
        );
      }
    }
    const owner = readLockPid(path);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      throw new CharrnnError(
        "OUTDIR_LOCKED",
        `outDir ${outDir} is in use by process ${owner}; wait for it to finish, stop it, or choose another outDir (lock: ${path})`,
      );
    }
    if (owner === process.pid) {
      throw new CharrnnError(
        "OUTDIR_LOCKED",
        `outDir ${outDir} is in use by another run in this process (${owner}); choose another outDir`,
      );
    }
    // Stale (dead pid) or unreadable lock: remove it and retry the exclusive create, so two
    // processes taking over the same stale lock still end with one winner.
    rmSync(path, { force: true });
  }
  throw new CharrnnError(
    "OUTDIR_LOCKED",
    `could not take the lock ${path}; remove it if no run uses ${outDir}`,
  );
}

function readLockPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
