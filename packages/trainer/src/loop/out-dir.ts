import { CharrnnError } from "@charrnn/core";
import { makeDirs } from "@charrnn/core/node";

/**
 * Creates the output directory (and its missing parents), or throws `CharrnnError`
 * "OUTDIR_UNWRITABLE" naming it: a path that is a file or lies under one, a read-only or virtual file
 * system (without hanging under /proc: see `makeDirs`).
 */
export function ensureOutDir(outDir: string): void {
  try {
    makeDirs(outDir);
  } catch (error) {
    throw new CharrnnError(
      "OUTDIR_UNWRITABLE",
      `cannot use ${outDir} as the output directory: ${describe(error)}; choose a writable directory`,
      { cause: error },
    );
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOTDIR") return "it is, or lies under, a regular file";
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return `not writable (${code})`;
  return (error as Error).message;
}
