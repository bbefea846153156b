import { CharrnnError } from "@charrnn/core";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import type { VocabJSON } from "./types";
import { Vocab } from "./vocab";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CharrnnError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return "no error";
}

describe("vocab JSON", () => {
  it("round-trips char and word vocabs", () => {
    for (const vocab of [
      Vocab.fromText("héllo 😀\n"),
      Vocab.fromText("a b a\nc", { level: "word" }),
      Vocab.fromText("ab", { unk: true }),
    ]) {
      const json = vocab.toJSON();
      const back = Vocab.fromJSON(JSON.parse(JSON.stringify(json)) as VocabJSON);
      expect(back.tokens).toEqual(vocab.tokens);
      expect([back.level, back.unkId, back.eosId, back.hash]).toEqual([
        vocab.level,
        vocab.unkId,
        vocab.eosId,
        vocab.hash,
      ]);
      expect(back.counts).toBeUndefined();
      expect(Vocab.fromJSON(JSON.stringify(json)).hash).toBe(vocab.hash);
    }
  });

  it("writes the documented form and hashes the documented canonical serialisation", () => {
    const json = Vocab.fromText("b a\n", { level: "word" }).toJSON();
    const canonical = JSON.stringify(["charrnn-vocab/1", "word", ["<unk>", "<eos>", "a", "b"], 0, 1]);
    expect(json).toEqual({
      format: "charrnn-vocab",
      version: 1,
      level: "word",
      tokens: ["<unk>", "<eos>", "a", "b"],
      unk: 0,
      eos: 1,
      hash: `sha256:${bytesToHex(sha256(new TextEncoder().encode(canonical)))}`,
    });
  });

  it("detects an edited file by its hash, and accepts a file without a hash", () => {
    const json = Vocab.fromText("abc").toJSON();
    const edited = { ...json, tokens: ["a", "c", "b"] };
    expect(code(() => Vocab.fromJSON(edited))).toMatch(/^VOCAB_HASH_MISMATCH: .*vocab file was modified/);
    const { hash: _, ...unhashed } = edited;
    expect(Vocab.fromJSON(unhashed).tokens).toEqual(["a", "c", "b"]);
  });

  it("rejects malformed input with clear errors", () => {
    const base = Vocab.fromText("ab").toJSON();
    const { hash: _, ...plain } = base;
    expect(code(() => Vocab.fromJSON({ ...plain, format: "x" } as never))).toMatch(/^VOCAB_FORMAT/);
    expect(code(() => Vocab.fromJSON({ ...plain, version: 2 } as never))).toMatch(/^VOCAB_FORMAT/);
    expect(code(() => Vocab.fromJSON({ ...plain, tokens: ["a", "a"] }))).toContain(
      'token "a" appears twice (ids 0 and 1)',
    );
    expect(code(() => Vocab.fromJSON({ ...plain, tokens: ["a", 3] } as never))).toContain(
      "token 1 must be a non-empty string, got 3",
    );
    expect(code(() => Vocab.fromJSON({ ...plain, tokens: ["ab"] }))).toContain("is not one code point");
    expect(code(() => Vocab.fromJSON({ ...plain, unk: 5 }))).toContain("unk must be null or a token id");
    expect(code(() => Vocab.fromJSON("{nope"))).toMatch(/^VOCAB_INVALID: vocab is not valid JSON/);
    expect(code(() => Vocab.fromJSON(42 as never))).toMatch(/^VOCAB_INVALID/);
  });

  it("accepts a plain token array (index = id) and infers the level", () => {
    const chars = Vocab.fromJSON(["\n", "a", "😀"]);
    expect([chars.level, chars.size, chars.unkId]).toEqual(["char", 3, undefined]);
    expect(Array.from(chars.encode("a😀\n"))).toEqual([1, 2, 0]);
    const words = Vocab.fromJSON(["the", "<eos>", "<unk>", "cat"]);
    expect([words.level, words.unkId, words.eosId]).toEqual(["word", 2, 1]);
    expect(words.decode([0, 3, 1, 0])).toBe("the cat\nthe");
    const forced = Vocab.fromJSON(["a", "b"], { level: "word" });
    expect(forced.level).toBe("word");
    expect(code(() => Vocab.fromJSON(["a", "a"]))).toMatch(/^VOCAB_INVALID/);
  });
});
