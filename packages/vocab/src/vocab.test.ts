import { readFileSync } from "node:fs";
import { CharrnnError } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import { VocabOovError } from "./errors";
import { CHAR_UNK_TOKEN, EOS_TOKEN, UNK_TOKEN } from "./types";
import { Vocab } from "./vocab";

const shakespeare = readFileSync(
  new URL("../../../test-fixtures/tinyshakespeare.txt", import.meta.url),
  "utf8",
);

function caught(fn: () => unknown): CharrnnError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CharrnnError) return error;
    throw error;
  }
  throw new Error("expected a CharrnnError");
}

describe("char vocab", () => {
  it("keeps emoji and astral CJK as one token each, sorted by code point", () => {
    const text = "b😀a𠀋中😀";
    const vocab = Vocab.fromText(text);
    // U+0061 a, U+0062 b, U+4E2D 中, U+1F600 😀, U+2000B 𠀋
    expect(vocab.tokens).toEqual(["a", "b", "中", "😀", "𠀋"]);
    expect(vocab.size).toBe(5);
    expect(Array.from(vocab.encode(text))).toEqual([1, 3, 0, 4, 2, 3]);
    expect(vocab.decode(vocab.encode(text))).toBe(text);
    expect(vocab.tokenize("😀a")).toEqual(["😀", "a"]);
    expect(vocab.counts).toEqual([1, 1, 1, 2, 1]);
  });

  it("orders by code point, not UTF-16 code unit (U+FF01 before U+1F600)", () => {
    const vocab = Vocab.fromText("😀！");
    expect(vocab.tokens).toEqual(["！", "😀"]);
  });

  it("gives tiny Shakespeare its 65 characters and round-trips it", () => {
    const vocab = Vocab.fromText(shakespeare);
    const distinct = [...new Set(shakespeare)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    expect(vocab.size).toBe(65);
    expect(vocab.tokens).toEqual(distinct);
    const ids = vocab.encode(shakespeare);
    expect(ids.length).toBe(shakespeare.length);
    expect(vocab.decode(ids)).toBe(shakespeare);
    const e = shakespeare.split("").filter((c) => c === "e").length;
    expect(vocab.counts![vocab.idOf("e")!]).toBe(e);
  });

  it("is deterministic: the same text gives the same ids and hash whatever the order seen", () => {
    const a = Vocab.fromText("hello world");
    const b = Vocab.fromText("dlrow olleh");
    expect(b.tokens).toEqual(a.tokens);
    expect(b.hash).toBe(a.hash);
    expect(a.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Vocab.fromText("hello worlds").hash).not.toBe(a.hash);
  });

  it("adds U+FFFD as unk at id 0 with { unk: true } and can then drop rare characters", () => {
    const vocab = Vocab.fromText("aaabbc", { unk: true, minCount: 2 });
    expect(vocab.tokens).toEqual([CHAR_UNK_TOKEN, "a", "b"]);
    expect(vocab.unkId).toBe(0);
    expect(vocab.counts).toEqual([1, 3, 2]);
    expect(Array.from(vocab.encode("abcz", { oov: "unk" }))).toEqual([1, 2, 0, 0]);
    const top = Vocab.fromText("aaabbc", { unk: true, maxSize: 2 });
    expect(top.tokens).toEqual([CHAR_UNK_TOKEN, "a"]);
  });

  it("refuses maxSize/minCount that would drop characters without an unk token", () => {
    expect(caught(() => Vocab.fromText("aab", { minCount: 2 })).code).toBe("VOCAB_NO_UNK");
    expect(Vocab.fromText("aab", { maxSize: 2 }).size).toBe(2);
  });

  it("refuses empty text and bad options", () => {
    expect(caught(() => Vocab.fromText("")).code).toBe("VOCAB_EMPTY");
    expect(caught(() => Vocab.fromText("a", { minCount: 0 })).message).toBe(
      "minCount must be an integer >= 1, got 0",
    );
    expect(caught(() => Vocab.fromText("a b", { level: "word", maxSize: 1 })).code).toBe("OPTION_RANGE");
  });
});

describe("word vocab", () => {
  const text = "the cat sat\nthe dog sat on the mat\n\nzebra";

  it("puts <unk> and <eos> first, then words by count then code point", () => {
    const vocab = Vocab.fromText(text, { level: "word" });
    // the ×3, sat ×2, then cat dog mat on zebra ×1 in code-point order
    expect(vocab.tokens).toEqual([UNK_TOKEN, EOS_TOKEN, "the", "sat", "cat", "dog", "mat", "on", "zebra"]);
    expect(vocab.unkId).toBe(0);
    expect(vocab.eosId).toBe(1);
    expect(vocab.counts).toEqual([0, 3, 3, 2, 1, 1, 1, 1, 1]);
  });

  it("tokenizes on whitespace with <eos> per newline and decodes with spaces and bare newlines", () => {
    const vocab = Vocab.fromText(text, { level: "word" });
    expect(vocab.tokenize(" a\tb \r\nc")).toEqual(["a", "b", EOS_TOKEN, "c"]);
    const ids = vocab.encode(text);
    expect(Array.from(ids)).toEqual([2, 4, 3, 1, 2, 5, 3, 7, 2, 6, 1, 1, 8]);
    expect(vocab.decode(ids)).toBe(text);
    expect(vocab.decode(vocab.encode("  the   cat \n sat "))).toBe("the cat\nsat");
  });

  it("maps words below minCount or beyond maxSize to <unk>", () => {
    const rare = Vocab.fromText(text, { level: "word", minCount: 2 });
    expect(rare.tokens).toEqual([UNK_TOKEN, EOS_TOKEN, "the", "sat"]);
    expect(rare.counts![0]).toBe(5);
    expect(rare.decode(rare.encode("the cat sat", { oov: "unk" }))).toBe("the <unk> sat");
    const small = Vocab.fromText(text, { level: "word", maxSize: 4 });
    expect(small.tokens).toEqual([UNK_TOKEN, EOS_TOKEN, "the", "sat"]);
  });

  it("lays out the same ids whatever order the counts were inserted in", () => {
    const entries: [string, number][] = [
      ["b", 2],
      ["a", 2],
      ["é", 2],
      ["z", 5],
      [EOS_TOKEN, 1],
    ];
    const forward = Vocab.fromCounts(new Map(entries), { level: "word" });
    const backward = Vocab.fromCounts(new Map([...entries].reverse()), { level: "word" });
    expect(forward.tokens).toEqual([UNK_TOKEN, EOS_TOKEN, "z", "a", "b", "é"]);
    expect(backward.tokens).toEqual(forward.tokens);
    expect(backward.hash).toBe(forward.hash);
  });

  it("treats literal <unk> in the text (PTB) as the unk token", () => {
    const vocab = Vocab.fromText("a <unk> a\n", { level: "word" });
    expect(vocab.tokens).toEqual([UNK_TOKEN, EOS_TOKEN, "a"]);
    expect(vocab.counts).toEqual([1, 1, 2]);
    expect(Array.from(vocab.encode("<unk> a"))).toEqual([0, 2]);
  });
});

describe("OOV policies", () => {
  const vocab = Vocab.fromText("ab\nc");

  it("error names the character, its code point and its position", () => {
    const error = caught(() => vocab.encode("ab\ncé"));
    expect(error).toBeInstanceOf(VocabOovError);
    expect(error.code).toBe("VOCAB_OOV");
    expect(error.message).toContain('"é" (U+00E9)');
    expect(error.message).toContain("code point 4 (line 2, column 2)");
    const oov = error as VocabOovError;
    expect([oov.token, oov.index, oov.line, oov.column]).toEqual(["é", 4, 2, 2]);
  });

  it("counts an astral character as one code point in positions", () => {
    const error = caught(() => Vocab.fromText("a😀").encode("😀a😀b")) as VocabOovError;
    expect(error.message).toContain('"b" (U+0062) at code point 3 (line 1, column 4)');
    const emoji = caught(() => vocab.encode("a\n😀")) as VocabOovError;
    expect(emoji.message).toContain("(U+1F600)");
    expect(emoji.token).toBe("😀");
  });

  it("error names the word in a word vocab", () => {
    const words = Vocab.fromText("a b\n", { level: "word" });
    const error = caught(() => words.encode("a b\nb zz")) as VocabOovError;
    expect(error.message).toContain('word "zz" at code point 6 (line 2, column 3)');
  });

  it("skip drops unknown tokens", () => {
    expect(vocab.decode(vocab.encode("axbyc", { oov: "skip" }))).toBe("abc");
  });

  it("unk needs an unk token", () => {
    const error = caught(() => vocab.encode("a", { oov: "unk" }));
    expect(error.code).toBe("VOCAB_NO_UNK");
    expect(error.message).toContain("{ unk: true }");
    const words = Vocab.fromText("a b", { level: "word" });
    expect(Array.from(words.encode("a q b", { oov: "unk" }))).toEqual([words.idOf("a"), 0, words.idOf("b")]);
  });

  it("rejects an unknown policy and out-of-range ids", () => {
    expect(caught(() => vocab.encode("a", { oov: "drop" as never })).code).toBe("OPTION_RANGE");
    expect(caught(() => vocab.decode([0, 9])).code).toBe("VOCAB_ID_RANGE");
  });
});
