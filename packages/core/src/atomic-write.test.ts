import * as fs from "node:fs";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type AtomicWriteFs, writeFileAtomic } from "./atomic-write";

const realFs: AtomicWriteFs = {
  openSync: fs.openSync,
  writeSync: fs.writeSync,
  fsyncSync: fs.fsyncSync,
  closeSync: fs.closeSync,
  renameSync: fs.renameSync,
  rmSync: fs.rmSync,
};

describe("writeFileAtomic", () => {
  it("writes the whole content and leaves no temp file", () => {
    const dir = mkdtempSync(join(tmpdir(), "charrnn-atomic-"));
    const path = join(dir, "a.bin");
    writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    writeFileAtomic(path, Uint8Array.of(4, 5));
    expect([...readFileSync(path)]).toEqual([4, 5]);
    expect(readdirSync(dir)).toEqual(["a.bin"]);
  });

  it("a write failing half-way keeps the previous file intact and leaves no partial file", () => {
    const dir = mkdtempSync(join(tmpdir(), "charrnn-atomic-"));
    const path = join(dir, "ckpt.bin");
    writeFileSync(path, "old content");
    let written = 0;
    const failing: AtomicWriteFs = {
      ...realFs,
      writeSync: (fd, data, offset, length) => {
        // Half the bytes reach the disk, then the disk is full.
        if (written > 0)
          throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
        written = writeSync(fd, data, offset, Math.ceil(length / 2));
        return written;
      },
    };
    expect(() => writeFileAtomic(path, new Uint8Array(1000).fill(7), failing)).toThrow(/ENOSPC/);
    expect(readFileSync(path, "utf8")).toBe("old content");
    expect(readdirSync(dir)).toEqual(["ckpt.bin"]);
  });

  it("a failing rename keeps the previous file and removes the temp file", () => {
    const dir = mkdtempSync(join(tmpdir(), "charrnn-atomic-"));
    const path = join(dir, "ckpt.bin");
    writeFileSync(path, "old");
    const failing: AtomicWriteFs = {
      ...realFs,
      renameSync: () => {
        throw new Error("EIO: rename failed");
      },
    };
    expect(() => writeFileAtomic(path, Uint8Array.of(1), failing)).toThrow(/EIO/);
    expect(readFileSync(path, "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["ckpt.bin"]);
  });
});
