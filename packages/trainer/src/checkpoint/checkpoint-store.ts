import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  BEST_CHECKPOINT,
  CHECKPOINT_DIR,
  CharrnnError,
  checkpointFileName,
  isCharrnnError,
} from "@charrnn/core";
import { type AtomicWriteFs, writeFileAtomic } from "@charrnn/core/node";
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from "./checkpoint-format";

const PERIODIC = /^ckpt-(\d+)\.safetensors$/;
/** Temp files of atomic writes (`.<name>.<unique>.tmp`) of the files a run writes. */
const TEMP_FILE =
  /^\.(ckpt-\d+\.safetensors|best\.safetensors|model\.safetensors|config\.json|metrics\.jsonl)\..+\.tmp$/;

/** Periodic checkpoints of `dir`, newest (highest step) first. */
export function listCheckpoints(dir: string): { path: string; step: number }[] {
  if (!existsSync(dir)) return [];
  const found: { path: string; step: number }[] = [];
  for (const name of readdirSync(dir)) {
    const match = PERIODIC.exec(name);
    if (match) found.push({ path: join(dir, name), step: Number(match[1]) });
  }
  return found.sort((a, b) => b.step - a.step);
}

/**
 * Writes `ckpt` atomically as `checkpoints/ckpt-<step>.safetensors` (unless `periodic` is false)
 * and as `best.safetensors` when `best` is set, then deletes periodic checkpoints beyond the newest
 * `keepLast`; pruning runs only once the new file is safely in place. Returns the path written
 * (the periodic one when both are). A failed write (disk full, read-only, …) leaves every earlier
 * checkpoint untouched and no partial file, and throws `CharrnnError` "CHECKPOINT_WRITE_FAILED"
 * naming the directory. `fs` replaces the file operations (tests simulate a full disk with it).
 */
export function writeCheckpoint(
  outDir: string,
  ckpt: Checkpoint,
  options: { keepLast: number; periodic?: boolean; best?: boolean; fs?: AtomicWriteFs },
): string {
  const dir = join(outDir, CHECKPOINT_DIR);
  const bytes = encodeCheckpoint(ckpt);
  const bestPath = join(dir, BEST_CHECKPOINT);
  const path = join(dir, checkpointFileName(ckpt.progress.step));
  try {
    mkdirSync(dir, { recursive: true });
    if (options.best) writeFileAtomic(bestPath, bytes, options.fs);
    if (options.periodic !== false) writeFileAtomic(path, bytes, options.fs);
  } catch (error) {
    throw checkpointWriteFailed(dir, ckpt.progress.step, error);
  }
  if (options.periodic === false) return bestPath;
  for (const old of listCheckpoints(dir).slice(Math.max(options.keepLast, 1)))
    rmSync(old.path, { force: true });
  return path;
}

function checkpointWriteFailed(dir: string, step: number, error: unknown): CharrnnError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === "ENOSPC" || code === "EDQUOT"
      ? `disk full (${code}); free some space`
      : `${(error as Error).message}; check that the directory is writable`;
  return new CharrnnError(
    "CHECKPOINT_WRITE_FAILED",
    `cannot write the step ${step} checkpoint in ${dir}: ${why}, then --resume (earlier checkpoints are intact)`,
    { cause: error },
  );
}

/**
 * Deletes the temp files that writes interrupted by a crash or SIGKILL left in `dir`. Call only while
 * holding the directory's lock, when no other writer can be mid-write there.
 */
export function removeStaleTempFiles(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (TEMP_FILE.test(name)) rmSync(join(dir, name), { force: true });
  }
}

/** Reads and verifies one checkpoint file. */
export function readCheckpoint(path: string): Checkpoint {
  // A plain Uint8Array, not a Buffer: Buffer#slice aliases its (pooled) memory, which byte-copying
  // decoders do not expect.
  return decodeCheckpoint(new Uint8Array(readFileSync(path)), path);
}

/**
 * The newest checkpoint that parses. `location` is a checkpoint file, a checkpoints directory, or an
 * output directory holding `checkpoints/`. Damaged files are skipped with a warning (newest first,
 * then `best.safetensors` as a last resort); `undefined` when none is usable.
 */
export function findLatestCheckpoint(
  location: string,
  onWarning: (message: string) => void = () => {},
): { path: string; checkpoint: Checkpoint } | undefined {
  if (existsSync(location) && statSync(location).isFile()) {
    return { path: location, checkpoint: readCheckpoint(location) };
  }
  const nested = join(location, CHECKPOINT_DIR);
  const dir = existsSync(nested) ? nested : location;
  const candidates = listCheckpoints(dir).map((c) => c.path);
  const best = join(dir, BEST_CHECKPOINT);
  if (existsSync(best)) candidates.push(best);
  for (const path of candidates) {
    try {
      return { path, checkpoint: readCheckpoint(path) };
    } catch (error) {
      if (!isCharrnnError(error) && (error as NodeJS.ErrnoException).code === undefined) throw error;
      // An old-format run is whole, not damaged: falling back to an older file would not help.
      if (isCharrnnError(error) && error.code === "CHECKPOINT_FORMAT_OLD") throw error;
      onWarning(`skipping checkpoint ${path}: ${(error as Error).message}`);
    }
  }
  return undefined;
}
