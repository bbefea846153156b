import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureOutDir } from "./out-dir";

const fresh = () => mkdtempSync(join(tmpdir(), "charrnn-outdir-"));

describe("ensureOutDir", () => {
  it("creates missing parents and accepts an existing directory", () => {
    const dir = join(fresh(), "a", "b", "c");
    ensureOutDir(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    ensureOutDir(dir);
  });

  it("refuses a file, or a path under one, naming the path", () => {
    const file = join(fresh(), "plain.txt");
    writeFileSync(file, "x");
    for (const path of [file, join(file, "out"), join(file, "a", "b")]) {
      expect(() => ensureOutDir(path)).toThrow(
        expect.objectContaining({
          code: "OUTDIR_UNWRITABLE",
          message: `cannot use ${path} as the output directory: it is, or lies under, a regular file; choose a writable directory`,
        }),
      );
    }
  });

  // Node 20's mkdirSync(…, { recursive: true }) loops forever here; this must return at once.
  it.skipIf(!existsSync("/proc/self"))("fails at once under /proc", () => {
    expect(() => ensureOutDir("/proc/charrnn-x/y")).toThrow(
      /cannot use \/proc\/charrnn-x\/y as the output directory/,
    );
  });
});
