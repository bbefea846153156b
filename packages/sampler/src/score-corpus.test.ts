import { createRng } from "@charrnn/core";
import { initParams, validateConfig } from "@charrnn/models";
import { describe, expect, it } from "vitest";
import { scoreCorpus } from "./score-corpus";
import { createTsStepModel } from "./ts-engine";

function tinyModel() {
  const config = validateConfig({
    cell: "gru",
    layers: 2,
    hidden: 8,
    vocabSize: 7,
    input: "embedding",
    embed: 5,
    dropout: 0,
    init: { kind: "uniform", scale: 0.5 },
    forgetBias: 0,
  });
  return createTsStepModel({ config, params: initParams(config, createRng(3)) });
}

/** Scores stream by stream, one token at a time: the definition scoreCorpus must meet. */
function naiveScore(model: ReturnType<typeof tinyModel>, ids: number[], batch: number): number {
  const streamLength = Math.floor(ids.length / batch);
  let total = 0;
  let count = 0;
  for (let b = 0; b < batch; b++) {
    let state = model.initialState(1);
    for (let p = 0; p < streamLength - 1; p++) {
      const { logits, state: next } = model.forward(Int32Array.of(ids[b * streamLength + p]!), 1, 1, state);
      state = next;
      const max = Math.max(...logits);
      const lse = max + Math.log(logits.reduce((s, v) => s + Math.exp(v - max), 0));
      total += lse - logits[ids[b * streamLength + p + 1]!]!;
      count++;
    }
  }
  return total / count;
}

describe("scoreCorpus", () => {
  const rng = createRng(9);
  const ids = Array.from({ length: 203 }, () => rng.nextInt(7));

  it("equals token-by-token scoring of each stream, whatever the window length", async () => {
    const model = tinyModel();
    const expected = naiveScore(model, ids, 4);
    for (const steps of [1, 7, 64, 500]) {
      const result = await scoreCorpus(model, ids, { batch: 4, steps });
      expect(result.count).toBe(4 * (Math.floor(203 / 4) - 1));
      expect(result.natsPerToken).toBeCloseTo(expected, 5);
      expect(result.perplexity).toBeCloseTo(Math.exp(expected), 4);
      expect(result.bitsPerToken).toBeCloseTo(expected / Math.LN2, 5);
    }
  });

  it("validates its options and input", async () => {
    const model = tinyModel();
    await expect(scoreCorpus(model, ids, { batch: 0 })).rejects.toThrow(/batch must be an integer ≥ 1/);
    await expect(scoreCorpus(model, [1], {})).rejects.toThrow(/at least 2 tokens/);
  });
});
