import { createRng, deriveSeed } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { generate, stream } from "./generate";
import type { GenerateOptions, TokenEvent } from "./options";
import { fakeModel } from "./test-helpers";

const vocab = Vocab.fromText("abcd"); // a=0, b=1, c=2, d=3
const PROBS = [0.4, 0.3, 0.2, 0.1];
const fixedModel = (probs: number[] = PROBS) => fakeModel(4, () => probs.map(Math.log));
/** Greedy follows `sequence`: step s puts the highest logit on sequence[s]. */
const scripted = (sequence: string) =>
  fakeModel(4, (step) => {
    const target = vocab.idOf(sequence[step % sequence.length]!)!;
    return [0, 1, 2, 3].map((i) => (i === target ? 2 : -i * 0.1));
  });

/** Frequencies of the single token drawn by each of `num` samples (one batch). */
async function firstTokenFrequencies(options: GenerateOptions, num = 2000): Promise<number[]> {
  const model = fixedModel();
  const { samples } = await generate(model, vocab, { prime: "a", length: 1, num, seed: 5, ...options });
  const counts = [0, 0, 0, 0];
  for (const s of samples) counts[s.tokens[0]!]!++;
  return counts.map((c) => c / num);
}

function expectFrequencies(freq: number[], want: number[]): void {
  for (let i = 0; i < want.length; i++) {
    if (want[i] === 0) expect(freq[i], `token ${i}`).toBe(0);
    else expect(Math.abs(freq[i]! - want[i]!), `token ${i}`).toBeLessThan(0.04);
  }
}

const renormalised = (keep: number[], probs: number[] = PROBS): number[] => {
  const total = keep.reduce((s, i) => s + probs[i]!, 0);
  return probs.map((p, i) => (keep.includes(i) ? p / total : 0));
};

describe("generate: decoding modes", () => {
  it("greedy takes the argmax at every step (and temperature 0 means greedy)", async () => {
    const greedy = await generate(scripted("bdca"), vocab, { prime: "a", length: 6, greedy: true });
    expect(greedy.text).toBe("bdcabd");
    expect(Array.from(greedy.tokens)).toEqual([1, 3, 2, 0, 1, 3]);
    expect(greedy.finishReason).toBe("length");
    const t0 = await generate(scripted("bdca"), vocab, { prime: "a", length: 6, temperature: 0 });
    expect(t0.text).toBe("bdcabd");
  });

  it("samples with the model's probabilities by default", async () => {
    expectFrequencies(await firstTokenFrequencies({}), PROBS);
  });

  it("draws by inverse CDF over token ids with sample i's RNG seeded by deriveSeed(seed, i)", async () => {
    const { samples } = await generate(fixedModel(), vocab, { prime: "a", length: 1, num: 20, seed: 9 });
    const cdf = [0.4, 0.7, 0.9, 1];
    samples.forEach((s, i) => {
      const u = createRng(deriveSeed(9, i)).next();
      expect(s.tokens[0]).toBe(cdf.findIndex((c) => u < c));
    });
  });

  it("top-k samples only the k most probable tokens, renormalised", async () => {
    expectFrequencies(await firstTokenFrequencies({ topK: 2 }), renormalised([0, 1]));
  });

  it("top-p samples the smallest set reaching p, renormalised", async () => {
    expectFrequencies(await firstTokenFrequencies({ topP: 0.75 }), renormalised([0, 1, 2]));
    expectFrequencies(await firstTokenFrequencies({ topP: 0.65 }), renormalised([0, 1]));
  });

  it("min-p drops tokens below minP × the top probability", async () => {
    expectFrequencies(await firstTokenFrequencies({ minP: 0.3 }), renormalised([0, 1, 2]));
  });

  it("temperature sharpens the distribution (p^(1/T), renormalised)", async () => {
    const sq = PROBS.map((p) => p * p);
    const total = sq.reduce((a, b) => a + b);
    expectFrequencies(
      await firstTokenFrequencies({ temperature: 0.5 }),
      sq.map((p) => p / total),
    );
  });

  it("applies the CTRL repetition penalty to tokens already generated", async () => {
    const positive = fakeModel(4, () => [2, 1.5, 0, -1]);
    expect((await generate(positive, vocab, { prime: "d", length: 4, greedy: true })).text).toBe("aaaa");
    // a: 2 → 1 after use, so b (1.5) wins; then a (1) beats b (0.75) for good.
    const p = await generate(positive, vocab, { prime: "d", length: 4, greedy: true, repetitionPenalty: 2 });
    expect(p.text).toBe("abaa");
    // Negative logits are multiplied: a: -1 → -1.5 loses to b (-1.2); then b: -1.8 loses to a.
    const negative = fakeModel(4, () => [-1, -1.2, -5, -6]);
    const n = await generate(negative, vocab, {
      prime: "d",
      length: 3,
      greedy: true,
      repetitionPenalty: 1.5,
    });
    expect(n.text).toBe("aba");
  });
});

describe("generate: seeds, batches, streaming", () => {
  const uniform = () => fixedModel([0.25, 0.25, 0.25, 0.25]);

  it("gives the same text for the same seed and a different text for another seed", async () => {
    const a = await generate(uniform(), vocab, { prime: "a", length: 40, seed: 1 });
    const b = await generate(uniform(), vocab, { prime: "a", length: 40, seed: 1 });
    const c = await generate(uniform(), vocab, { prime: "a", length: 40, seed: 2 });
    expect(a.text).toHaveLength(40);
    expect(b.text).toBe(a.text);
    expect(c.text).not.toBe(a.text);
    const rng = createRng(1);
    const d = await generate(uniform(), vocab, { prime: "a", length: 40, rng });
    expect(d.text).not.toBe("");
  });

  it("runs N samples as one batch: the prime once at batch 1, then every step at batch N", async () => {
    const model = uniform();
    const result = await generate(model, vocab, { prime: "abc", length: 10, num: 5, seed: 3 });
    expect(result.samples).toHaveLength(5);
    expect(result.text).toBe(result.samples[0]!.text);
    expect(model.calls[0]).toMatchObject({ batch: 1, steps: 3, tokens: [0, 1, 2] });
    expect(model.calls.slice(1).every((c) => c.batch === 5 && c.steps === 1)).toBe(true);
    expect(model.calls).toHaveLength(1 + 9);
    expect(new Set(result.samples.map((s) => s.text)).size).toBeGreaterThan(1);
    for (const s of result.samples) expect(s.prime).toBe("abc");
  });

  it("streams the same text as generate, through the iterator and onToken", async () => {
    const options: GenerateOptions = { prime: "a", length: 30, num: 3, seed: 7, stop: ["dd", "cab"] };
    const whole = await generate(uniform(), vocab, options);
    const pieces = ["", "", ""];
    for await (const e of stream(uniform(), vocab, options)) pieces[e.index] += e.text;
    expect(pieces).toEqual(whole.samples.map((s) => s.text));
    const events: TokenEvent[] = [];
    await generate(uniform(), vocab, { ...options, onToken: (e) => events.push(e) });
    expect(events.filter((e) => e.index === 1).map((e) => e.token)).toEqual(
      Array.from(whole.samples[1]!.tokens),
    );
  });

  it("returns the result as the stream's return value", async () => {
    const run = stream(uniform(), vocab, { prime: "a", length: 3, seed: 1 });
    let r = await run.next();
    while (r.done !== true) r = await run.next();
    expect(r.value.text).toHaveLength(3);
  });
});

describe("generate: starting and stopping", () => {
  it("stops at the earliest stop string, cutting it from the text", async () => {
    const r = await generate(scripted("abcabd"), vocab, {
      prime: "d",
      length: 20,
      greedy: true,
      stop: ["bd", "ca"],
    });
    expect(r).toMatchObject({ text: "ab", finishReason: "stop", stoppedBy: "ca" });
    expect(Array.from(r.tokens)).toEqual([0, 1, 2, 0]);
    const later = await generate(scripted("abcabd"), vocab, {
      prime: "d",
      length: 20,
      greedy: true,
      stop: ["bd"],
    });
    expect(later).toMatchObject({ text: "abca", stoppedBy: "bd" });
  });

  it("holds back streamed text that could still become a stop string", async () => {
    const pieces: string[] = [];
    const options = { prime: "d", length: 20, greedy: true, stop: ["cax"] };
    for await (const e of stream(scripted("abcab"), vocab, options)) pieces.push(e.text);
    // "c", then "ca" are held until the next token proves them harmless.
    expect(pieces.slice(0, 5)).toEqual(["a", "b", "", "", "cab"]);
    expect(pieces.join("")).toBe((await generate(scripted("abcab"), vocab, options)).text);
  });

  it("stops at the end token, which is left out", async () => {
    const r = await generate(scripted("abcd"), vocab, {
      prime: "a",
      length: 20,
      greedy: true,
      endToken: "d",
    });
    expect(r).toMatchObject({ text: "abc", finishReason: "end" });
    expect(Array.from(r.tokens)).toEqual([0, 1, 2]);
  });

  it("finishes samples of a batch independently", async () => {
    const model = fakeModel(4, (step, _last, stream) => {
      const target = stream === 0 && step === 1 ? 3 : 0;
      return [0, 1, 2, 3].map((i) => (i === target ? 1 : 0));
    });
    const r = await generate(model, vocab, { prime: "a", length: 4, num: 2, greedy: true, endToken: 3 });
    expect(r.samples.map((s) => [s.text, s.finishReason])).toEqual([
      ["a", "end"],
      ["aaaa", "length"],
    ]);
  });

  it("fails on an out-of-vocabulary prime naming the character, unless the oov policy allows it", async () => {
    await expect(generate(fixedModel(), vocab, { prime: "abz" })).rejects.toMatchObject({
      code: "VOCAB_OOV",
      message: expect.stringContaining("z"),
    });
    const model = fixedModel();
    await generate(model, vocab, { prime: "abz", oov: "skip", length: 1 });
    expect(model.calls[0]!.tokens).toEqual([0, 1]);
  });

  it("starts from startToken, or a seeded random token, without a prime", async () => {
    const model = fixedModel();
    const r = await generate(model, vocab, { startToken: "c", length: 2, num: 2 });
    expect(model.calls[0]).toMatchObject({ batch: 2, steps: 1, tokens: [2, 2] });
    expect(r.prime).toBe("c");
    const random = fixedModel();
    const s = await generate(random, vocab, { length: 2, num: 3, seed: 4 });
    const expected = [0, 1, 2].map((i) => createRng(deriveSeed(4, i)).nextInt(4));
    expect(random.calls[0]!.tokens).toEqual(expected);
    expect(s.samples.map((x) => x.prime)).toEqual(expected.map((i) => vocab.tokens[i]));
  });

  it("starts word vocabularies from <eos> and joins words with spaces", async () => {
    const words = Vocab.fromText("the cat sat\nthe cat\n", { level: "word" });
    const target = ["the", "cat", "sat"].map((w) => words.idOf(w)!);
    const model = fakeModel(words.size, (step) =>
      Array.from({ length: words.size }, (_, i) => (i === target[step % 3] ? 1 : 0)),
    );
    const r = await generate(model, words, { length: 4, greedy: true });
    expect(model.calls[0]!.tokens).toEqual([words.eosId]);
    expect(r.text).toBe("the cat sat the");
    const primed = await generate(model, words, { prime: "cat", length: 2, greedy: true });
    expect(primed.text).toBe(" the cat");
  });

  it("maps out-of-vocabulary words of a prime to <unk> by default (word vocabs), or as the policy says", async () => {
    const words = Vocab.fromText("the cat sat\nthe cat\n", { level: "word" });
    const model = fakeModel(words.size, () => new Array(words.size).fill(0));
    await generate(model, words, { prime: "the dog sat", length: 1 });
    expect(model.calls[0]!.tokens).toEqual([words.idOf("the"), words.unkId, words.idOf("sat")]);
    await expect(generate(model, words, { prime: "the dog", oov: "error" })).rejects.toMatchObject({
      code: "VOCAB_OOV",
      message: expect.stringContaining('word "dog"'),
    });
  });

  it("reports non-finite logits with the step instead of sampling them", async () => {
    const model = fakeModel(4, (step) => (step === 2 ? [0, Number.NaN, 0, 0] : [0, 0, 0, 0]));
    await expect(generate(model, vocab, { prime: "a", length: 5 })).rejects.toMatchObject({
      code: "NONFINITE_LOGITS",
      message: expect.stringContaining("step 2"),
    });
  });

  it("refuses a vocabulary of another size than the model's", async () => {
    await expect(
      generate(
        fakeModel(5, () => [0, 0, 0, 0, 0]),
        vocab,
      ),
    ).rejects.toMatchObject({
      code: "VOCAB_SIZE_MISMATCH",
    });
  });
});
