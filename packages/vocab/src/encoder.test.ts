import { describe, expect, it } from "vitest";
import { createTokenCounter } from "./encoder";
import type { VocabOovError } from "./errors";
import { Vocab } from "./vocab";

function encodeInChunks(
  vocab: Vocab,
  text: string,
  cuts: number[],
  oov: "error" | "skip" = "error",
): number[] {
  const encoder = vocab.encoder({ oov });
  const out: number[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...encoder.push(text.slice(from, cut)));
    from = cut;
  }
  out.push(...encoder.end());
  return out;
}

describe("streaming encoder", () => {
  const text = "a😀b 中𠀋 😀😀\nthe end 😀";

  it("equals one-shot encoding at every cut, including inside surrogate pairs (char)", () => {
    const vocab = Vocab.fromText(text);
    const whole = Array.from(vocab.encode(text));
    for (let cut = 0; cut <= text.length; cut++) {
      expect(encodeInChunks(vocab, text, [cut])).toEqual(whole);
    }
    // every code unit its own chunk: every pair is split
    expect(
      encodeInChunks(
        vocab,
        text,
        Array.from({ length: text.length }, (_, i) => i),
      ),
    ).toEqual(whole);
  });

  it("equals one-shot encoding at every cut, including inside words (word)", () => {
    const vocab = Vocab.fromText(text, { level: "word" });
    const whole = Array.from(vocab.encode(text));
    for (let cut = 0; cut <= text.length; cut++) {
      expect(encodeInChunks(vocab, text, [cut])).toEqual(whole);
    }
  });

  it("reports OOV positions from the start of the stream, with a pair split across chunks", () => {
    const vocab = Vocab.fromText("😀a\n");
    const encoder = vocab.encoder();
    encoder.push("😀a\n\uD83D");
    encoder.push("\uDE00a");
    try {
      encoder.push("x");
      expect.unreachable();
    } catch (error) {
      const oov = error as VocabOovError;
      expect([oov.index, oov.line, oov.column]).toEqual([5, 2, 3]);
    }
    const words = Vocab.fromText("😀a b", { level: "word" });
    const wordEncoder = words.encoder();
    wordEncoder.push("b \uD83D");
    wordEncoder.push("\uDE00a zz");
    expect(() => wordEncoder.end()).toThrow(/word "zz" at code point 5 \(line 1, column 6\)/);
  });

  it("counts tokens the same in chunks as in one piece", () => {
    for (const level of ["char", "word"] as const) {
      const whole = createTokenCounter(level);
      whole.push(text);
      const expected = whole.end();
      for (let cut = 0; cut <= text.length; cut += 3) {
        const counter = createTokenCounter(level);
        counter.push(text.slice(0, cut));
        counter.push(text.slice(cut));
        expect(counter.end()).toEqual(expected);
      }
    }
  });

  it("keeps a lone surrogate as its own code point", () => {
    const vocab = Vocab.fromText("a\uD83D");
    expect(vocab.tokens).toEqual(["a", "\uD83D"]);
    expect(vocab.decode(vocab.encode("\uD83Da"))).toBe("\uD83Da");
  });
});
