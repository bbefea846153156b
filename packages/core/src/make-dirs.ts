import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Creates `dir` and its missing parents, like `mkdir -p`. Node 20's own `mkdir(…, { recursive: true })`
 * never returns for a path under /proc (ENOENT is retried forever), so the parents are walked here
 * one at a time and a file system that refuses the path fails at once. A path that is, or lies
 * under, a regular file fails with ENOTDIR.
 */
export function makeDirs(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      if (!statSync(dir).isDirectory()) {
        throw Object.assign(new Error(`${dir} is a file`), { code: "ENOTDIR" });
      }
      return;
    }
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw error;
    makeDirs(parent);
    // Once: if the parent exists now and this still fails, the file system refuses it.
    mkdirSync(dir);
  }
}
