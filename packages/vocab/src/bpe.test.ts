import { readFileSync } from "node:fs";
import { CharrnnError, createRng, type Rng } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import { encodeWtf8, Wtf8Decoder } from "./bpe-bytes";
import { learnMerges } from "./bpe-learn";
import { PieceSplitter } from "./bpe-pieces";
import { createTokenCounter } from "./encoder";
import type { VocabJSON } from "./types";
import { Vocab } from "./vocab";
import { vocabHash } from "./vocab-hash";

const shakespeare = readFileSync(
  new URL("../../../test-fixtures/tinyshakespeare.txt", import.meta.url),
  "utf8",
);
const corpus = shakespeare.slice(0, 60_000);

// What arbitrary Unicode text is made of: ASCII, accented and CJK letters, emoji (astral, with
// skin tones and ZWJ sequences), combining marks, every kind of whitespace, and lone surrogates.
const ATOMS = [
  "a",
  "Z",
  "e",
  " ",
  " ",
  "\n",
  "\t",
  "\r\n",
  "\u00a0",
  "\u3000",
  "ä",
  "ß",
  "中",
  "文",
  "😀",
  "👍🏽",
  "👩‍👩‍👧",
  "🏳️‍🌈",
  "e\u0301",
  "n\u0303\u0323",
  "\u0301",
  "\u200d",
  "\ufeff",
  "\ud800",
  "\udfff",
  "\ud83d",
  "\ude00",
  "\u0000",
  "\u007f",
  "\uffff",
  "\u{10ffff}",
  "the",
  " and",
];

function randomText(rng: Rng, length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) {
    s += rng.next() < 0.02 ? String.fromCharCode(rng.nextInt(0x10000)) : ATOMS[rng.nextInt(ATOMS.length)]!;
  }
  return s;
}

/** `text` cut at random UTF-16 positions (so surrogate pairs and pieces get split). */
function randomChunks(rng: Rng, text: string): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; ) {
    const n = 1 + rng.nextInt(7);
    chunks.push(text.slice(i, i + n));
    i += n;
  }
  return chunks;
}

function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CharrnnError) return error.code;
    throw error;
  }
  return "no error";
}

describe("bpe vocab", () => {
  const vocab = Vocab.fromText(corpus, { level: "bpe", maxSize: 400 });

  it("learns the requested number of merges on top of the 256 bytes", () => {
    expect(vocab.level).toBe("bpe");
    expect(vocab.size).toBe(400);
    expect(vocab.merges).toHaveLength(144);
    expect(vocab.unkId).toBeUndefined();
    // The first merge of English text joins a space with a frequent letter or "e"-ending pair.
    expect(vocab.tokens).toContain("Ġthe");
    expect(vocab.encode(" the").length).toBe(1);
    expect(vocab.encode(corpus).length).toBeLessThan(corpus.length * 0.6);
  });

  it("round-trips arbitrary Unicode, whole and streamed in random chunks", () => {
    const rng = createRng(18);
    for (let trial = 0; trial < 200; trial++) {
      const text = randomText(rng, 1 + rng.nextInt(60));
      const ids = vocab.encode(text);
      expect(vocab.decode(ids)).toBe(text);
      const encoder = vocab.encoder();
      const streamed: number[] = [];
      for (const chunk of randomChunks(rng, text)) streamed.push(...encoder.push(chunk));
      streamed.push(...encoder.end());
      expect(streamed).toEqual([...ids]);
      const decoder = vocab.decoder();
      let out = "";
      for (const id of ids) out += decoder.push([id]);
      expect(out + decoder.end()).toBe(text);
    }
  });

  it("holds a character cut between tokens until it completes, and replaces only at the end", () => {
    const bytes = encodeWtf8("😀"); // four byte tokens: a sampled stream may stop anywhere
    const decoder = vocab.decoder();
    expect(bytes.slice(0, 3).map((b) => decoder.push([b]))).toEqual(["", "", ""]);
    expect(decoder.push([bytes[3]!])).toBe("😀");
    expect(decoder.push([0x61, bytes[0]!, bytes[1]!])).toBe("a");
    expect(decoder.end()).toBe("\ufffd");
    expect(vocab.decode([0x62, bytes[0]!])).toBe("b\ufffd");
    expect(errorCode(() => vocab.decode([0x61, 400]))).toBe("VOCAB_ID_RANGE");
  });

  it("decodes bytes as the WHATWG UTF-8 decoder does (apart from 3-byte surrogates)", () => {
    const rng = createRng(7);
    const whatwg = new TextDecoder();
    for (let trial = 0; trial < 500; trial++) {
      const bytes = Uint8Array.from({ length: rng.nextInt(12) }, () =>
        rng.next() < 0.5 ? 0x80 + rng.nextInt(0x80) : rng.nextInt(0x100),
      );
      if (bytes.includes(0xed)) continue;
      const decoder = new Wtf8Decoder();
      expect(decoder.push(bytes) + decoder.end()).toBe(whatwg.decode(bytes));
    }
  });

  it("learns the same merges whatever the chunking and count order", () => {
    const rng = createRng(3);
    const text = corpus.slice(0, 20_000) + randomText(rng, 300);
    const whole = Vocab.fromText(text, { level: "bpe", maxSize: 320 });
    const counter = createTokenCounter("bpe");
    for (const chunk of randomChunks(rng, text)) counter.push(chunk);
    const counts = counter.end();
    const reversed = new Map([...counts].reverse());
    for (const other of [counts, reversed]) {
      const vocab2 = Vocab.fromCounts(other, { level: "bpe", maxSize: 320 });
      expect(vocab2.merges).toEqual(whole.merges);
      expect(vocab2.hash).toBe(whole.hash);
    }
  });

  it("breaks count ties by the smaller left id, then the smaller right id", () => {
    // "ab" and "ba" both occur twice; (0x61, 0x62) has the smaller left id, so it merges first.
    // Then "ab"+"ab" inside "abab" occurs twice, more than any other pair.
    const merges = learnMerges(
      new Map([
        ["ab", 1],
        ["ba", 1],
        ["abab", 1],
        ["bb", 1],
      ]),
      1000,
    );
    expect(merges[0]).toEqual([0x61, 0x62]);
    expect(merges).toEqual([[0x61, 0x62]]);
    const tie = learnMerges(
      new Map([
        ["xy", 2],
        ["yx", 2],
        ["cd", 2],
      ]),
      258,
    );
    expect(tie).toEqual([
      [0x63, 0x64],
      [0x78, 0x79],
    ]);
  });

  it("splits pieces by content only: a space joins the next word, a run is cut at 64 units", () => {
    const pieces = (chunks: string[]): string[] => {
      const out: string[] = [];
      const splitter = new PieceSplitter();
      for (const c of chunks) splitter.push(c, (p) => out.push(p));
      splitter.end((p) => out.push(p));
      return out;
    };
    expect(pieces(["Hi  there\n\tyou "])).toEqual(["Hi", " ", " there", "\n", "\t", "you", " "]);
    expect(pieces(["Hi ", " th", "ere\n", "\tyou", " "])).toEqual(pieces(["Hi  there\n\tyou "]));
    const long = `${"x".repeat(63)}😀y`;
    expect(pieces([long])).toEqual(["x".repeat(63), "😀y"]);
  });

  it("stores level, merges and hash in the vocab JSON, and checks them on load", () => {
    const json = JSON.parse(JSON.stringify(vocab.toJSON())) as VocabJSON;
    expect(json).toMatchObject({ format: "charrnn-vocab", version: 1, level: "bpe", unk: null, eos: null });
    expect(json.merges).toHaveLength(144);
    expect(json.tokens[32]).toBe("Ġ");
    const back = Vocab.fromJSON(json);
    expect(back.hash).toBe(vocab.hash);
    expect(back.merges).toEqual(vocab.merges);
    expect(back.encode(corpus)).toEqual(vocab.encode(corpus));

    const swapped = structuredClone(json);
    swapped.merges![0] = [swapped.merges![0]![1], swapped.merges![0]![0]];
    expect(errorCode(() => Vocab.fromJSON(swapped))).toBe("VOCAB_INVALID");
    const tampered = { ...structuredClone(json), hash: Vocab.fromText("ab", { level: "bpe" }).hash };
    expect(errorCode(() => Vocab.fromJSON(tampered))).toBe("VOCAB_HASH_MISMATCH");
    // The hash covers the merges, not only the token texts ("abc" can be ab+c or a+bc).
    const tokens = [...vocab.tokens];
    expect(vocabHash("bpe", tokens, null, null, [[1, 2]])).not.toBe(
      vocabHash("bpe", tokens, null, null, [[2, 1]]),
    );
    const noMerges = structuredClone(json);
    delete noMerges.merges;
    expect(errorCode(() => Vocab.fromJSON(noMerges))).toBe("VOCAB_INVALID");
    const badByte = structuredClone(json);
    badByte.tokens[0] = "?";
    expect(errorCode(() => Vocab.fromJSON(badByte))).toBe("VOCAB_INVALID");
  });

  it("refuses options that do not apply to bpe", () => {
    expect(errorCode(() => Vocab.fromText("ab", { level: "bpe", maxSize: 100 }))).toBe("OPTION_RANGE");
    expect(errorCode(() => Vocab.fromText("ab", { level: "bpe", unk: true }))).toBe("OPTION_RANGE");
    expect(errorCode(() => Vocab.fromText("", { level: "bpe" }))).toBe("VOCAB_EMPTY");
  });
});
