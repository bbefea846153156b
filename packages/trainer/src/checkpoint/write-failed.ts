import { CharrnnError } from "@charrnn/core";

/**
 * The one-line error for a file a run could not write: `RUN_WRITE_FAILED` naming `path`, "disk full"
 * for ENOSPC/EDQUOT, then what to do once it is fixed (`next`).
 */
export function writeFailed(path: string, error: unknown, next: string): CharrnnError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === "ENOSPC" || code === "EDQUOT"
      ? `disk full (${code}); free some space`
      : `${(error as Error).message}; check that the directory is writable`;
  return new CharrnnError("RUN_WRITE_FAILED", `cannot write ${path}: ${why}, then ${next}`, { cause: error });
}
