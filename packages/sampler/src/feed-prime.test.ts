import { createRng } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { feedPrime, PRIME_CHUNK } from "./feed-prime";
import { generate } from "./generate";
import { score } from "./score";
import type { StepModel } from "./step-model";
import { makeConfig, randomParams } from "./test-helpers";
import { createTsStepModel } from "./ts-engine";

/** Wraps a model, recording the `steps` of every forward call. */
function counting(model: StepModel): { model: StepModel; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    model: {
      ...model,
      initialState: (b) => model.initialState(b),
      forward: (tokens, batch, steps, state, options) => {
        calls.push(steps);
        return model.forward(tokens, batch, steps, state, options);
      },
    },
  };
}

describe("feedPrime", () => {
  const config = makeConfig({ cell: "lstm", layers: 2, hidden: 6, vocabSize: 9, embed: 4 });
  const params = randomParams(config, createRng(4));
  const ts = createTsStepModel({ config, params });
  const rng = createRng(5);
  const ids = Int32Array.from({ length: 700 }, () => rng.nextInt(9));

  it("feeds a long prime in PRIME_CHUNK-step blocks: the state and logits of one call over all of it", async () => {
    const { model, calls } = counting(ts);
    const chunked = await feedPrime(model, ids, model.initialState(1));
    expect(calls).toEqual([PRIME_CHUNK, PRIME_CHUNK, 700 - 2 * PRIME_CHUNK]);
    const whole = await ts.forward(ids, 1, 700, ts.initialState(1));
    expect(Array.from(chunked.state.h)).toEqual(Array.from(whole.state.h));
    expect(Array.from(chunked.state.c!)).toEqual(Array.from(whole.state.c!));
    expect(Array.from(chunked.logits)).toEqual(Array.from(whole.logits.subarray(699 * 9)));
  });

  it("generate and score prime through it: a file-sized prime is a handful of calls", async () => {
    const vocab = Vocab.fromJSON("abcdefghi".split(""));
    const text = Array.from(ids, (id) => vocab.decode([id])).join("");
    const { model, calls } = counting(ts);
    const out = await generate(model, vocab, { prime: text, length: 5, greedy: true });
    expect(calls.slice(0, 3)).toEqual([PRIME_CHUNK, PRIME_CHUNK, 700 - 2 * PRIME_CHUNK]);
    // Same text as priming in one call would give (greedy: fully determined by the logits).
    const direct = await ts.forward(ids, 1, 700, ts.initialState(1));
    const row = direct.logits.subarray(699 * 9);
    expect(out.text[0]).toBe(vocab.decode([row.indexOf(Math.max(...row))]));
    calls.length = 0;
    await score(model, vocab, "abc", { prime: text });
    expect(Math.max(...calls)).toBeLessThanOrEqual(PRIME_CHUNK);
  });

  it("refuses an empty prime and a bad chunk size", async () => {
    await expect(feedPrime(ts, new Int32Array(0), ts.initialState(1))).rejects.toThrow(/prime/);
    await expect(feedPrime(ts, ids, ts.initialState(1), 0)).rejects.toThrow(/chunkSize/);
  });
});
