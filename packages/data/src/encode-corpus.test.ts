import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CharrnnError } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import { afterAll, describe, expect, it } from "vitest";
import { buildVocabFromFile, encodeCorpus, encodeCorpusFile } from "./encode-corpus";

const dir = mkdtempSync(join(tmpdir(), "charrnn-encode-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shakespearePath = new URL("../../../test-fixtures/tinyshakespeare.txt", import.meta.url).pathname;
const shakespeare = readFileSync(shakespearePath, "utf8");

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

// toEqual on a million-element typed array takes seconds; a plain loop does not.
function expectSameIds(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.constructor).toBe(expected.constructor);
  expect(actual.length).toBe(expected.length);
  let mismatch = -1;
  for (let i = 0; i < actual.length && mismatch < 0; i++) if (actual[i] !== expected[i]) mismatch = i;
  expect(mismatch).toBe(-1);
}

describe("encodeCorpus", () => {
  it("stores ids in the smallest typed array for the vocab", () => {
    const vocab = Vocab.fromText(shakespeare);
    const ids = encodeCorpus(shakespeare, vocab);
    expect(ids).toBeInstanceOf(Uint8Array);
    expect(ids.length).toBe(shakespeare.length);
    expect(Array.from(ids.subarray(0, 100))).toEqual(Array.from(vocab.encode(shakespeare.slice(0, 100))));
    const big = Vocab.fromJSON(Array.from({ length: 300 }, (_, i) => String.fromCodePoint(0x4e00 + i)));
    const wide = encodeCorpus({ text: "\u4e00\u4e01\u4f2b" }, big);
    expect(wide).toBeInstanceOf(Uint16Array);
    expect(Array.from(wide)).toEqual([0, 1, 299]);
  });

  it("applies the OOV policy and refuses empty text", () => {
    const vocab = Vocab.fromText("ab");
    expect(Array.from(encodeCorpus("axb", vocab, { oov: "skip" }))).toEqual([0, 1]);
    expect(() => encodeCorpus("axb", vocab)).toThrow(/"x" \(U\+0078\) at code point 1/);
    expect(() => encodeCorpus("", vocab)).toThrow(CharrnnError);
  });
});

describe("encodeCorpusFile", () => {
  it("equals in-memory encoding with a surrogate pair straddling every chunk boundary", async () => {
    // "😀" is 4 bytes in UTF-8 and 2 code units; chunk sizes 1–6 cut it at every byte.
    const text = "ab😀c\n😀😀 d中e𠀋\n";
    const path = file("emoji.txt", text);
    for (const level of ["char", "word"] as const) {
      const vocab = Vocab.fromText(text, { level });
      const expected = Array.from(vocab.encode(text));
      for (let chunkSize = 1; chunkSize <= 6; chunkSize++) {
        const ids = await encodeCorpusFile(path, vocab, { chunkSize });
        expect(Array.from(ids)).toEqual(expected);
        expect(ids).toBeInstanceOf(Uint8Array);
      }
    }
  });

  it("equals in-memory encoding of tiny Shakespeare, char and word level", async () => {
    const chars = Vocab.fromText(shakespeare);
    expectSameIds(
      await encodeCorpusFile(shakespearePath, chars, { chunkSize: 100_003 }),
      encodeCorpus(shakespeare, chars),
    );
    const words = Vocab.fromText(shakespeare, { level: "word" });
    const ids = await encodeCorpusFile(shakespearePath, words, { chunkSize: 65_537 });
    expect(ids).toBeInstanceOf(Uint16Array);
    expect(ids.length).toBeLessThan(shakespeare.length / 3);
    expectSameIds(ids, encodeCorpus(shakespeare, words));
  });

  it("names the file and the position of an OOV character", async () => {
    const path = file("oov.txt", "ab\nxa");
    await expect(encodeCorpusFile(path, Vocab.fromText("ab\n"))).rejects.toThrow(
      /oov\.txt: character "x" \(U\+0078\) at code point 3 \(line 2, column 1\)/,
    );
  });
});

describe("buildVocabFromFile", () => {
  it("builds the same vocab as Vocab.fromText, in any chunk size", async () => {
    const path = file("build.txt", "the 😀 cat\nthe dog 😀\n");
    for (const level of ["char", "word"] as const) {
      const expected = Vocab.fromText("the 😀 cat\nthe dog 😀\n", { level });
      for (const chunkSize of [1, 3, 5, 1024]) {
        const vocab = await buildVocabFromFile(path, { level, chunkSize });
        expect(vocab.tokens).toEqual(expected.tokens);
        expect(vocab.counts).toEqual(expected.counts);
        expect(vocab.hash).toBe(expected.hash);
      }
    }
    const shakespeareVocab = await buildVocabFromFile(shakespearePath, { chunkSize: 77_777 });
    expect(shakespeareVocab.size).toBe(65);
    expect(shakespeareVocab.hash).toBe(Vocab.fromText(shakespeare).hash);
  });

  it("counts several files as one corpus; a word does not run across files", async () => {
    const a = file("multi-a.txt", "the cat\nsat é");
    const b = file("multi-b.txt", "on the mat\n");
    for (const level of ["char", "word"] as const) {
      const vocab = await buildVocabFromFile([a, b], { level, chunkSize: 2 });
      const expected = Vocab.fromText("the cat\nsat é\non the mat\n", { level });
      if (level === "char") {
        // The joined text has one newline more than the files.
        expect(vocab.tokens).toEqual(expected.tokens);
        expect(vocab.counts![vocab.idOf("\n")!]).toBe(2);
      } else {
        expect(vocab.idOf("é")).toBeDefined();
        expect(vocab.idOf("éon")).toBeUndefined();
        expect(vocab.counts![vocab.idOf("the")!]).toBe(2);
        expect(vocab.size).toBe(expected.size);
      }
    }
    const maxSize = await buildVocabFromFile([a, b], { level: "word", maxSize: 3 });
    expect(maxSize.tokens).toEqual(["<unk>", "<eos>", "the"]);
  });
});
