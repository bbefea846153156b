import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CharrnnError } from "@charrnn/core";
import { afterAll, describe, expect, it } from "vitest";
import { readCorpus, readCorpusChunks } from "./read-corpus";

const dir = mkdtempSync(join(tmpdir(), "charrnn-corpus-"));
const shakespearePath = new URL("../../../test-fixtures/tinyshakespeare.txt", import.meta.url).pathname;

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<CharrnnError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CharrnnError) return error;
    throw error;
  }
  throw new Error("expected a CharrnnError");
}

afterAll(() => {
  chmodSync(join(dir, "locked.txt"), 0o644);
  rmSync(dir, { recursive: true, force: true });
});

describe("readCorpus", () => {
  it("reads a UTF-8 file, in any chunk size, with multi-byte characters cut by chunk boundaries", async () => {
    const text = "héllo 😀 wörld 中文\n𠀋 end";
    const path = file("multi.txt", text);
    expect(await readCorpus(path)).toBe(text);
    for (const chunkSize of [1, 2, 3, 5, 7]) {
      expect(await readCorpus(path, { chunkSize })).toBe(text);
    }
  });

  it("reads tiny Shakespeare exactly", async () => {
    const text = await readCorpus(shakespearePath, { chunkSize: 65536 });
    expect(text).toBe(readFileSync(shakespearePath, "utf8"));
  });

  it("strips a UTF-8 BOM, from files and from { text }", async () => {
    expect(await readCorpus(file("bom.txt", "\uFEFFabc"))).toBe("abc");
    expect(await readCorpus(file("bom2.txt", "\uFEFFabc"), { chunkSize: 1 })).toBe("abc");
    expect(await readCorpus({ text: "\uFEFFxy" })).toBe("xy");
  });

  it("refuses a missing file, a directory and an unreadable file", async () => {
    const missing = await failure(readCorpus(join(dir, "nope.txt")));
    expect(missing.code).toBe("CORPUS_NOT_FOUND");
    expect(missing.message).toContain("nope.txt");
    expect((await failure(readCorpus(dir))).code).toBe("CORPUS_IS_DIRECTORY");
    const locked = file("locked.txt", "secret");
    chmodSync(locked, 0o000);
    let readable = false;
    try {
      readFileSync(locked);
      readable = true; // running as root: permissions do not apply
    } catch {}
    if (!readable) expect((await failure(readCorpus(locked))).code).toBe("CORPUS_UNREADABLE");
  });

  it("refuses an empty file, a BOM-only file and empty text", async () => {
    const empty = await failure(readCorpus(file("empty.txt", "")));
    expect(empty.code).toBe("CORPUS_EMPTY");
    expect(empty.message).toContain("empty.txt");
    expect((await failure(readCorpus(file("bom-only.txt", "\uFEFF")))).code).toBe("CORPUS_EMPTY");
    expect((await failure(readCorpus({ text: "" }))).code).toBe("CORPUS_EMPTY");
  });

  it("refuses invalid UTF-8 naming the byte offset, wherever the chunks fall", async () => {
    // "ab" + "é" as latin1 (0xE9) + "cd": 0xE9 opens a 3-byte sequence that "c" does not continue.
    const path = file("latin1.txt", Uint8Array.from([0x61, 0x62, 0xe9, 0x63, 0x64]));
    for (const chunkSize of [1, 2, 3, 1024]) {
      const error = await failure(readCorpus(path, { chunkSize }));
      expect(error.code).toBe("CORPUS_NOT_UTF8");
      expect(error.message).toContain("latin1.txt");
      expect(error.message).toContain("byte offset 2");
    }
    const truncated = file("truncated.txt", Uint8Array.from([0x61, 0xf0, 0x9f, 0x98]));
    const error = await failure(readCorpus(truncated, { chunkSize: 2 }));
    expect(error.code).toBe("CORPUS_NOT_UTF8");
    expect(error.message).toContain("byte offset 1");
  });

  it("refuses a file with NUL bytes as binary", async () => {
    const path = file("binary.bin", Uint8Array.from([0x61, 0x62, 0x63, 0x00, 0x01]));
    const error = await failure(readCorpus(path, { chunkSize: 2 }));
    expect(error.code).toBe("CORPUS_NOT_UTF8");
    expect(error.message).toContain("looks binary (NUL byte at byte offset 3)");
  });

  it("yields chunks that join to the text without holding it whole", async () => {
    const path = file("chunks.txt", "a".repeat(10) + "😀".repeat(3));
    const chunks: string[] = [];
    for await (const chunk of readCorpusChunks(path, { chunkSize: 4 })) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.join("")).toBe("a".repeat(10) + "😀".repeat(3));
  });
});
