import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { CharrnnError } from "@charrnn/vocab";

/**
 * Creates the output directory (and its missing parents), or throws `CharrnnError`
 * "OUTDIR_UNWRITABLE" naming it: a path that is a file or lies under one, a read-only or virtual file
 * system. Node's own `mkdirSync(…, { recursive: true })` never returns for a path under /proc
 * (ENOENT is retried forever on Node 20), so the parents are walked here one at a time.
 */
export function ensureOutDir(outDir: string): void {
  try {
    makeDir(outDir);
  } catch (error) {
    throw new CharrnnError(
      "OUTDIR_UNWRITABLE",
      `cannot use ${outDir} as the output directory: ${describe(error)}; choose a writable directory`,
      { cause: error },
    );
  }
}

function makeDir(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      if (!statSync(dir).isDirectory())
        throw Object.assign(new Error(`${dir} is a file`), { code: "ENOTDIR" });
      return;
    }
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw error;
    makeDir(parent);
    // Once: if the parent exists now and this still fails, the file system refuses it.
    mkdirSync(dir);
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOTDIR") return "it is, or lies under, a regular file";
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return `not writable (${code})`;
  return (error as Error).message;
}
