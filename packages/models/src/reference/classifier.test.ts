import { createRng } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import type { CellType, ModelConfig } from "../config";
import { defaultConfig } from "../config";
import { initParams } from "../init-params";
import type { NamedTensors } from "../tensor";
import {
  CLASSIFIER_BIAS,
  CLASSIFIER_WEIGHT,
  expectedShapes,
  OUTPUT_BIAS,
  OUTPUT_WEIGHT,
} from "../weight-layout";
import type { ClassifierBatch, Pooling } from "./classifier";
import { referenceClassifierForward, referenceClassifierLossAndGrads } from "./classifier";
import { referenceForward } from "./forward";
import { referenceLossAndGrads } from "./loss-and-grads";

const LABELS = ["a", "b", "c"];

function classifierConfig(cell: CellType, pooling: Pooling, extra: Partial<ModelConfig> = {}): ModelConfig {
  return defaultConfig({
    cell,
    layers: 2,
    hidden: 4,
    embed: 3,
    vocabSize: 6,
    init: { kind: "uniform", scale: 0.6 },
    head: { kind: "classifier", labels: LABELS, pooling },
    ...extra,
  });
}

function batchOf(seed: number): ClassifierBatch {
  const rng = createRng(seed);
  const B = 3;
  const T = 5;
  return {
    x: Int32Array.from({ length: B * T }, () => rng.nextInt(6)),
    lengths: Int32Array.of(5, 2, 1),
    labels: Int32Array.of(2, 0, 1),
    batch: B,
    steps: T,
    weights: Float32Array.of(1, 2.5, 0.5),
  };
}

/** Largest relative error of central differences against the analytic gradient, on sampled entries. */
function worstGradError(
  config: ModelConfig,
  params: NamedTensors,
  batch: ClassifierBatch,
  dropout?: { rate: number; seed: number },
): number {
  const loss = () => referenceClassifierLossAndGrads(config, params, batch, { dropout }).loss;
  const { grads } = referenceClassifierLossAndGrads(config, params, batch, { dropout });
  let worst = 0;
  for (const [name, tensor] of params) {
    const g = grads.get(name)!.data;
    const stride = Math.max(1, Math.floor(tensor.data.length / 6));
    for (let i = 0; i < tensor.data.length; i += stride) {
      const orig = tensor.data[i]!;
      tensor.data[i] = orig + 1e-3;
      const up = tensor.data[i]!;
      const lossUp = loss();
      tensor.data[i] = orig - 1e-3;
      const down = tensor.data[i]!;
      const lossDown = loss();
      tensor.data[i] = orig;
      const numeric = (lossUp - lossDown) / (up - down);
      worst = Math.max(
        worst,
        Math.abs(numeric - g[i]!) / Math.max(1e-3, Math.abs(numeric) + Math.abs(g[i]!)),
      );
    }
  }
  return worst;
}

describe("classifier head layout", () => {
  it("replaces output.* with classifier.* [labels, H]", () => {
    const shapes = expectedShapes(classifierConfig("gru", "last"));
    expect(shapes.get(CLASSIFIER_WEIGHT)).toEqual([3, 4]);
    expect(shapes.get(CLASSIFIER_BIAS)).toEqual([3]);
    expect(shapes.has(OUTPUT_WEIGHT)).toBe(false);
    expect(shapes.has(OUTPUT_BIAS)).toBe(false);
    expect([...shapes.keys()].at(-1)).toBe(CLASSIFIER_BIAS);
  });

  it("the language-model entry points refuse a classifier, and vice versa", () => {
    const config = classifierConfig("rnn", "last");
    const params = initParams(config, createRng(1));
    expect(() => referenceForward(config, params, new Int32Array(2), 1, 2)).toThrow(
      expect.objectContaining({ code: "MODEL_HEAD_MISMATCH" }),
    );
    const x = new Int32Array(2);
    expect(() => referenceLossAndGrads(config, params, { x, y: x, batch: 1, steps: 2 })).toThrow(
      expect.objectContaining({ code: "MODEL_HEAD_MISMATCH" }),
    );
    const lm = defaultConfig({ cell: "rnn", hidden: 4, vocabSize: 6 });
    const lmParams = initParams(lm, createRng(1));
    expect(() => referenceClassifierForward(lm, lmParams, x, Int32Array.of(2), 1, 2)).toThrow(
      expect.objectContaining({ code: "MODEL_HEAD_MISMATCH" }),
    );
    expect(() => referenceClassifierForward(config, params, x, Int32Array.of(3), 1, 2)).toThrow(
      expect.objectContaining({ code: "OPTION_RANGE" }),
    );
  });
});

describe.each(["rnn", "gru", "lstm"] as CellType[])("classifier reference: %s", (cell) => {
  it.each(["last", "mean"] as Pooling[])("%s pooling reads the unpadded sequence's states", (pooling) => {
    const config = classifierConfig(cell, pooling);
    const params = initParams(config, createRng(3));
    const batch = batchOf(4);
    const { logits } = referenceClassifierForward(
      config,
      params,
      batch.x,
      batch.lengths,
      batch.batch,
      batch.steps,
    );
    // Independently: run each row alone, unpadded, through the LM forward (same recurrent weights),
    // pool its top-layer states by hand and apply the label projection.
    const lm: ModelConfig = { ...config, head: undefined, vocabSize: 6 };
    const lmParams = new Map(params);
    lmParams.delete(CLASSIFIER_WEIGHT);
    lmParams.delete(CLASSIFIER_BIAS);
    lmParams.set(OUTPUT_WEIGHT, { shape: [6, 4], data: new Float32Array(24) });
    lmParams.set(OUTPUT_BIAS, { shape: [6], data: new Float32Array(6) });
    const W = params.get(CLASSIFIER_WEIGHT)!.data;
    const bias = params.get(CLASSIFIER_BIAS)!.data;
    for (let b = 0; b < batch.batch; b++) {
      const n = batch.lengths[b]!;
      const row = batch.x.slice(b * batch.steps, b * batch.steps + n);
      const top = referenceForward(lm, lmParams, row, 1, n).cache.layers[1]!.h; // [n+1, 1, H]
      const pooled = [0, 0, 0, 0];
      for (let k = 0; k < 4; k++) {
        if (pooling === "last") pooled[k] = top[n * 4 + k]!;
        else for (let t = 1; t <= n; t++) pooled[k] = pooled[k]! + top[t * 4 + k]! / n;
      }
      for (let v = 0; v < 3; v++) {
        let s = bias[v]!;
        for (let k = 0; k < 4; k++) s += W[v * 4 + k]! * pooled[k]!;
        expect(logits[b * 3 + v]).toBeCloseTo(s, 5);
      }
    }
  });

  it.each(["last", "mean"] as Pooling[])("%s pooling: gradients match finite differences", (pooling) => {
    const config = classifierConfig(cell, pooling);
    const params = initParams(config, createRng(7));
    expect(worstGradError(config, params, batchOf(8))).toBeLessThan(1e-5);
  });

  it("one-hot input with dropout: gradients match finite differences", () => {
    const config = classifierConfig(cell, "mean", { input: "onehot", embed: undefined, dropout: 0.3 });
    const params = initParams(config, createRng(9));
    expect(worstGradError(config, params, batchOf(10), { rate: 0.3, seed: 11 })).toBeLessThan(1e-5);
  });
});

describe("classifier loss", () => {
  it("is the weighted mean cross-entropy, and padding tokens do not matter", () => {
    const config = classifierConfig("gru", "last");
    const params = initParams(config, createRng(2));
    const batch = batchOf(3);
    const out = referenceClassifierLossAndGrads(config, params, batch);
    let sum = 0;
    let wsum = 0;
    for (let b = 0; b < 3; b++) {
      const row = Array.from(out.logits.subarray(b * 3, b * 3 + 3));
      const max = Math.max(...row);
      const logZ = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
      const w = batch.weights![b]!;
      sum += w * (logZ - row[batch.labels[b]!]!);
      wsum += w;
    }
    expect(out.loss).toBeCloseTo(sum / wsum, 5);
    const repadded = {
      ...batch,
      x: batch.x.map((v, i) => (i % 5 >= batch.lengths[Math.floor(i / 5)]! ? 5 - v : v)),
    };
    const again = referenceClassifierLossAndGrads(config, params, repadded);
    expect(again.loss).toBe(out.loss);
    for (const [name, g] of out.grads) expect(again.grads.get(name)!.data, name).toEqual(g.data);
  });
});
