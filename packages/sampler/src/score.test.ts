import { createRng } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { score, scoreDetailed, topK } from "./score";
import { makeConfig, randomParams } from "./test-helpers";
import { createTsStepModel } from "./ts-engine";

const corpus = "to be or not to be, that is the question";
const vocab = Vocab.fromText(corpus);
const config = makeConfig({ cell: "lstm", layers: 2, hidden: 10, vocabSize: vocab.size, embed: 5 });
const model = createTsStepModel({ config, params: randomParams(config, createRng(4), 1) });

/** Next-token log-probabilities after each of `ids`, stepping one token at a time. */
function stepLogProbs(ids: Int32Array): Float64Array[] {
  let state = model.initialState(1);
  return Array.from(ids, (id) => {
    const r = model.forward(Int32Array.of(id), 1, 1, state);
    state = r.state;
    const max = Math.max(...r.logits);
    const lse = max + Math.log(r.logits.reduce((s, l) => s + Math.exp(l - max), 0));
    return Float64Array.from(r.logits, (l) => l - lse);
  });
}

describe("score", () => {
  it("without a prime scores tokens 1…n-1, each given the tokens before it", async () => {
    const text = "not to be";
    const ids = vocab.encode(text);
    const steps = stepLogProbs(ids);
    const want = Array.from(ids.subarray(1), (id, i) => steps[i]![id]!);
    const r = await score(model, vocab, text);
    expect(r.first).toBe(1);
    expect(r.count).toBe(ids.length - 1);
    for (let i = 0; i < want.length; i++) expect(r.logProbs[i]).toBeCloseTo(want[i]!, 9);
    const total = -want.reduce((a, b) => a + b);
    expect(r.totalNats).toBeCloseTo(total, 9);
    expect(r.natsPerToken).toBeCloseTo(total / want.length, 9);
    expect(r.chars).toBe(ids.length - 1);
    expect(r.bitsPerChar).toBeCloseTo(total / Math.LN2 / (ids.length - 1), 9);
    expect(r.perplexity).toBeCloseTo(Math.exp(total / want.length), 9);
  });

  it("with a prime scores every token of the text, in any chunk size", async () => {
    const prime = "to be or ";
    const text = "not to be, that";
    const all = vocab.encode(prime + text);
    const steps = stepLogProbs(all);
    const want = Array.from(
      { length: text.length },
      (_, i) => steps[prime.length + i - 1]![all[prime.length + i]!]!,
    );
    for (const chunkSize of [1, 4, 256]) {
      const r = await score(model, vocab, text, { prime, chunkSize });
      expect(r.first).toBe(0);
      expect(r.count).toBe(text.length);
      for (let i = 0; i < want.length; i++) expect(r.logProbs[i]).toBeCloseTo(want[i]!, 9);
    }
  });

  it("refuses a text with nothing to score and an out-of-vocabulary text", async () => {
    await expect(score(model, vocab, "t")).rejects.toMatchObject({ code: "SCORE_EMPTY" });
    await expect(score(model, vocab, "xyz!")).rejects.toMatchObject({ code: "VOCAB_OOV" });
  });

  it("scores out-of-vocabulary words of a word vocab as <unk> unless told otherwise", async () => {
    const words = Vocab.fromText("to be or not to be\n", { level: "word" });
    const wordConfig = makeConfig({ cell: "gru", layers: 1, hidden: 6, vocabSize: words.size, embed: 3 });
    const wordModel = createTsStepModel({
      config: wordConfig,
      params: randomParams(wordConfig, createRng(9), 1),
    });
    const r = await score(wordModel, words, "to be or die", { prime: "not" });
    const same = await score(wordModel, words, "to be or <unk>", { prime: "not" });
    expect(Array.from(r.tokens)).toEqual(Array.from(same.tokens));
    expect(r.tokens.at(-1)).toBe(words.unkId);
    expect(r.totalNats).toBe(same.totalNats);
    // Bits per char count the text as written: "die" is 3 characters, not the 5 of "<unk>".
    expect(r.chars).toBe("to be or die".length);
    expect(same.chars).toBe("to be or <unk>".length);
    expect(r.bitsPerChar).toBe(r.totalNats / Math.LN2 / 12);
    // Without a prime the first word (and the whitespace before it) is context, not scored.
    const unprimed = await score(wordModel, words, "  to be\nor die ", {});
    expect(unprimed.count).toBe(4);
    expect(unprimed.chars).toBe(" be\nor die ".length);
    await expect(score(wordModel, words, "to die", { oov: "error" })).rejects.toMatchObject({
      code: "VOCAB_OOV",
    });
  });
});

describe("topK and scoreDetailed", () => {
  it("topK lists the k most probable next tokens after the context", async () => {
    const context = "to be or no";
    const last = stepLogProbs(vocab.encode(context)).at(-1)!;
    const order = Array.from(last.keys()).sort((a, b) => last[b]! - last[a]! || a - b);
    const top = await topK(model, vocab, context, 4);
    expect(top.map((t) => t.id)).toEqual(order.slice(0, 4));
    for (const t of top) {
      expect(t.logProb).toBeCloseTo(last[t.id]!, 9);
      expect(t.prob).toBeCloseTo(Math.exp(last[t.id]!), 9);
      expect(t.token).toBe(vocab.tokens[t.id]);
    }
    await expect(topK(model, vocab, "", 3)).rejects.toMatchObject({ code: "EMPTY_CONTEXT" });
  });

  it("scoreDetailed adds the rank and the top k at every scored position", async () => {
    const text = "that is the question";
    const ids = vocab.encode(text);
    const steps = stepLogProbs(ids);
    const r = await scoreDetailed(model, vocab, text, { k: 3 });
    expect(r.positions).toHaveLength(ids.length - 1);
    r.positions.forEach((p, i) => {
      const dist = steps[i]!;
      expect(p.index).toBe(i + 1);
      expect(p.id).toBe(ids[i + 1]);
      expect(p.logProb).toBeCloseTo(r.logProbs[i]!, 12);
      expect(p.rank).toBe(1 + Array.from(dist).filter((l) => l > dist[p.id]!).length);
      expect(p.top).toHaveLength(3);
      expect(p.top[0]!.logProb).toBeCloseTo(Math.max(...dist), 9);
    });
  });
});
