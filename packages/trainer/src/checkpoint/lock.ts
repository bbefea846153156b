import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { CharrnnError, LOCK_FILE } from "@charrnn/core";
import type { AtomicWriteFs } from "@charrnn/core/node";

/**
 * Held (briefly) by the one process replacing a stale lock, so that replacing it is a
 * compare-and-swap: only the holder may rename over a lock it has just seen to be stale.
 */
const TAKEOVER_FILE = `${LOCK_FILE}.takeover`;
/** How many times a contended lock is looked at again before giving up (about a second). */
const MAX_ATTEMPTS = 1000;

/** A held lock; `release` removes the file (idempotent). */
export interface DirLock {
  readonly path: string;
  release(): void;
}

/** The file operations that write the lock's content; tests swap one out to simulate a full disk. */
export type LockFs = Pick<AtomicWriteFs, "openSync" | "writeSync" | "fsyncSync" | "closeSync">;

const nodeFs: LockFs = { openSync, writeSync, fsyncSync, closeSync };

let counter = 0;

/**
 * Takes the lock of `outDir` so that no second process writes checkpoints there. The lock file holds
 * our pid and appears whole: it is written as a temp file first, then hard-linked to `train.lock`,
 * which fails if the lock exists (so a full disk never leaves an empty lock behind). A lock whose pid
 * no longer runs (a crashed or killed run) is stale and taken over atomically: however many processes
 * try at once, exactly one wins. A live one is a `CharrnnError` "OUTDIR_LOCKED" naming the directory
 * and the process; a lock that cannot be written is "OUTDIR_UNWRITABLE" naming the lock file.
 */
export function acquireDirLock(outDir: string, fs: LockFs = nodeFs): DirLock {
  const path = join(outDir, LOCK_FILE);
  const mine = writeOurPid(outDir, path, fs);
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (tryLink(mine, path) || takeOverIfStale(outDir, path, mine)) {
        removeDeadLockTemps(outDir);
        return heldLock(path);
      }
    }
  } finally {
    rmSync(mine, { force: true });
  }
  throw new CharrnnError(
    "OUTDIR_LOCKED",
    `could not take the lock ${path}; remove it (and ${TAKEOVER_FILE}) if no run uses ${outDir}`,
  );
}

function heldLock(path: string): DirLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      rmSync(path, { force: true });
    },
  };
}

/** Writes `<pid>\n` to a temp file beside the lock; on failure nothing is left behind. */
function writeOurPid(outDir: string, path: string, fs: LockFs): string {
  const temp = join(outDir, `.${LOCK_FILE}.${process.pid}.${counter++}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, "wx", 0o644);
    const bytes = new TextEncoder().encode(`${process.pid}\n`);
    let offset = 0;
    while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    return temp;
  } catch (error) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // The write already failed; that error is the one worth reporting.
      }
    }
    rmSync(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOSPC" || code === "EDQUOT"
        ? `disk full (${code}); free some space`
        : `${(error as Error).message}; choose a writable outDir`;
    throw new CharrnnError("OUTDIR_UNWRITABLE", `cannot create ${path}: ${why}`, { cause: error });
  }
}

/** Hard-links `from` to `to`: true if `to` is now ours, false if it already existed. */
function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/**
 * Called when the lock exists: throws if its owner runs; if it is stale, replaces it with ours while
 * holding the takeover file and returns true. False means "look again" (the lock changed meanwhile,
 * or another process is taking it over).
 */
function takeOverIfStale(outDir: string, path: string, mine: string): boolean {
  if (!isStale(outDir, path)) return false;
  const takeover = join(outDir, TAKEOVER_FILE);
  if (!tryLink(mine, takeover)) {
    clearDeadTakeover(takeover);
    return false;
  }
  try {
    // Only the takeover holder replaces a lock, and a live owner never leaves the lock it holds, so
    // a lock still stale now stays stale until the rename below.
    if (!isStale(outDir, path)) return false;
    renameSync(mine, path);
    return true;
  } finally {
    rmSync(takeover, { force: true });
  }
}

/** True if the lock at `path` has a dead (or unreadable) owner; throws if a live process holds it. */
function isStale(outDir: string, path: string): boolean {
  const owner = readLockPid(path);
  if (owner === "missing") return false;
  if (owner === process.pid) {
    throw new CharrnnError(
      "OUTDIR_LOCKED",
      `outDir ${outDir} is in use by another run in this process (${owner}); choose another outDir`,
    );
  }
  if (owner !== undefined && isAlive(owner)) {
    throw new CharrnnError(
      "OUTDIR_LOCKED",
      `outDir ${outDir} is in use by process ${owner}; wait for it to finish, stop it, or choose another outDir (lock: ${path})`,
    );
  }
  return true;
}

/**
 * A takeover file whose holder died (killed within the few microseconds it is held) would block every
 * later takeover: move it aside, and put it back if it turns out to belong to a live process.
 */
function clearDeadTakeover(takeover: string): void {
  const holder = readLockPid(takeover);
  if (holder === "missing") return;
  if (holder !== undefined && isAlive(holder)) {
    // Another process is mid-takeover: give it a millisecond.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    return;
  }
  const aside = `${takeover}.${process.pid}.${counter++}.dead`;
  try {
    renameSync(takeover, aside);
  } catch {
    return;
  }
  const moved = readLockPid(aside);
  if (moved !== "missing" && moved !== undefined && isAlive(moved)) tryLink(aside, takeover);
  rmSync(aside, { force: true });
}

/** Removes the lock temp files of processes killed while taking the lock (live ones may still need theirs). */
function removeDeadLockTemps(outDir: string): void {
  const pattern = /^(?:\.train\.lock|train\.lock\.takeover)\.(\d+)\.\d+\.(?:tmp|dead)$/;
  for (const name of readdirSync(outDir)) {
    const pid = pattern.exec(name)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) rmSync(join(outDir, name), { force: true });
  }
}

/** The pid in a lock file; `undefined` when unreadable, `"missing"` when there is no file. */
function readLockPid(path: string): number | undefined | "missing" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
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
