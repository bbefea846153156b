import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { initVocab } from "./init-vocab";

describe("initVocab", () => {
  it("keeps a bpe model's vocabulary: its bytes encode the new text, new characters included", () => {
    const base = Vocab.fromText("to be or not to be\n".repeat(4), { level: "bpe", maxSize: 262 });
    const corpus = Vocab.fromText("ß ä ö ü 😀 wholly new words\n", { level: "bpe", maxSize: 262 });
    const vocab = initVocab(base, corpus, "extend");
    expect(vocab.hash).toBe(base.hash);
    expect(vocab.decode(vocab.encode("ß ä ö ü 😀"))).toBe("ß ä ö ü 😀");
  });

  it("extends a char vocabulary after the model's ids, and refuses another level", () => {
    const base = Vocab.fromText("ab");
    expect(initVocab(base, Vocab.fromText("abc"), "extend").tokens).toEqual(["a", "b", "c"]);
    expect(() => initVocab(base, Vocab.fromText("ab", { level: "bpe" }), "extend")).toThrow(/level/);
  });
});
