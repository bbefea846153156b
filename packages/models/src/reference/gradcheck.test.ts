import { createRng } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import type { CellType, ModelConfig } from "../config";
import { defaultConfig } from "../config";
import { initParams } from "../init-params";
import type { NamedTensors, RnnState } from "../tensor";
import type { ReferenceBatch, ReferenceGradOptions } from "./loss-and-grads";
import { referenceLossAndGrads } from "./loss-and-grads";

/** Central finite differences on a sample of entries of every tensor. */
function checkGrads(
  config: ModelConfig,
  params: NamedTensors,
  batch: ReferenceBatch,
  state: RnnState | undefined,
  options: ReferenceGradOptions,
): number {
  const { grads } = referenceLossAndGrads(config, params, batch, state, options);
  let worst = 0;
  for (const [name, tensor] of params) {
    const g = grads.get(name)!.data;
    const stride = Math.max(1, Math.floor(tensor.data.length / 7));
    for (let i = 0; i < tensor.data.length; i += stride) {
      const orig = tensor.data[i]!;
      tensor.data[i] = orig + 1e-3;
      const up = tensor.data[i]!;
      const lossUp = referenceLossAndGrads(config, params, batch, state, options).loss;
      tensor.data[i] = orig - 1e-3;
      const down = tensor.data[i]!;
      const lossDown = referenceLossAndGrads(config, params, batch, state, options).loss;
      tensor.data[i] = orig;
      const numeric = (lossUp - lossDown) / (up - down); // exact step after float32 rounding
      const err = Math.abs(numeric - g[i]!) / Math.max(1e-3, Math.abs(numeric) + Math.abs(g[i]!));
      worst = Math.max(worst, err);
    }
  }
  return worst;
}

function randomIds(n: number, vocab: number, seed: number): Int32Array {
  const rng = createRng(seed);
  return Int32Array.from({ length: n }, () => rng.nextInt(vocab));
}

function randomState(config: ModelConfig, batch: number, seed: number): RnnState {
  const rng = createRng(seed);
  const n = config.layers * batch * config.hidden;
  const h = Float32Array.from({ length: n }, () => rng.next() - 0.5);
  const state: RnnState = { layers: config.layers, batch, hidden: config.hidden, h };
  if (config.cell === "lstm") state.c = Float32Array.from({ length: n }, () => rng.next() - 0.5);
  return state;
}

describe.each(["rnn", "gru", "lstm"] as CellType[])("finite differences: %s", (cell) => {
  it("match on a one-hot 2-layer model with carried state and a mask", () => {
    const config = defaultConfig({ cell, layers: 2, hidden: 4, vocabSize: 5, input: "onehot" });
    const params = initParams({ ...config, init: { kind: "uniform", scale: 0.5 } }, createRng(1));
    const batch = {
      x: randomIds(6, 5, 2),
      y: randomIds(6, 5, 3),
      batch: 2,
      steps: 3,
      mask: Float32Array.of(1, 1, 0, 1, 0.5, 1),
    };
    expect(checkGrads(config, params, batch, randomState(config, 2, 4), {})).toBeLessThan(1e-5);
  });

  it("match on an embedding model with dropout (fixed masks)", () => {
    const config = defaultConfig({ cell, layers: 2, hidden: 3, embed: 2, vocabSize: 4, forgetBias: 1 });
    const params = initParams({ ...config, init: { kind: "uniform", scale: 0.5 } }, createRng(5));
    const batch = { x: randomIds(4, 4, 6), y: randomIds(4, 4, 7), batch: 1, steps: 4 };
    const options = { dropout: { rate: 0.3, seed: 9 } };
    expect(checkGrads(config, params, batch, undefined, options)).toBeLessThan(1e-5);
  });

  it("match with input dropout on the embedded inputs, and the mask really drops inputs", () => {
    const config = defaultConfig({ cell, layers: 1, hidden: 3, embed: 4, vocabSize: 4, inputDropout: 0.5 });
    const params = initParams({ ...config, init: { kind: "uniform", scale: 0.5 } }, createRng(5));
    const batch = { x: randomIds(6, 4, 6), y: randomIds(6, 4, 7), batch: 2, steps: 3 };
    const options = { dropout: { rate: 0, seed: 9, inputRate: 0.5 } };
    expect(checkGrads(config, params, batch, undefined, options)).toBeLessThan(1e-5);
    const plain = referenceLossAndGrads(config, params, batch, undefined, {}).loss;
    const dropped = referenceLossAndGrads(config, params, batch, undefined, options).loss;
    expect(dropped).not.toBe(plain);
  });
});
