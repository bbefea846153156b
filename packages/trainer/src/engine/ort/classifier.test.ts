import { createRng } from "@charrnn/core";
import {
  type CellType,
  type InputMode,
  initParams,
  type ModelConfig,
  maxRelativeError,
  type Pooling,
  referenceClassifierLossAndGrads,
  zeroState,
} from "@charrnn/models";
import { describe, expect, it } from "vitest";
import { readClassifierBatch, toClassifierTrainBatch } from "../../classify/classifier-batch";
import { createReferenceEngine } from "../reference-engine";
import { tinyConfig } from "../test-helpers";
import type { TrainBatch } from "../types";
import { createOrtEngine } from "./ort-engine";

const TOL = 1e-4;
const LABELS = ["one", "two", "three", "four"];

function classifierConfig(
  cell: CellType,
  pooling: Pooling,
  input: InputMode,
  overrides: Partial<ModelConfig> = {},
): ModelConfig {
  return tinyConfig(cell, {
    input,
    layers: 2,
    embed: input === "onehot" ? undefined : 6,
    head: { kind: "classifier", labels: LABELS, pooling },
    init: { kind: "uniform", scale: 0.4 },
    ...overrides,
  });
}

/** A padded batch of 5 rows up to 6 steps, padding filled with id 0, class weights per label. */
function paddedBatch(vocab: number, seed: number, weights?: Float32Array): TrainBatch {
  const rng = createRng(seed);
  const lengths = Int32Array.of(6, 1, 3, 4, 2);
  const x = new Int32Array(5 * 6);
  for (let b = 0; b < 5; b++) for (let t = 0; t < lengths[b]!; t++) x[b * 6 + t] = rng.nextInt(vocab);
  const labels = Int32Array.from({ length: 5 }, () => rng.nextInt(LABELS.length));
  return toClassifierTrainBatch({ x, lengths, labels, batch: 5, steps: 6 }, weights);
}

describe("ort engine: classifier head", () => {
  const cases: [CellType, Pooling, InputMode][] = [];
  for (const cell of ["rnn", "gru", "lstm"] as const) {
    cases.push([cell, "last", "embedding"], [cell, "mean", "onehot"]);
  }
  it.each(cases)(
    "%s, %s pooling, %s: loss, logits and gradients equal the reference",
    async (cell, pooling, input) => {
      const config = classifierConfig(cell, pooling, input);
      const params = initParams(config, createRng(3));
      const batch = paddedBatch(config.vocabSize, 4, Float32Array.of(1, 0.5, 2, 1.5));
      const ref = referenceClassifierLossAndGrads(config, params, readClassifierBatch(config, batch));
      const engine = await createOrtEngine({ config, params, optimizer: { kind: "sgd" }, threads: 1 });
      const state = zeroState(config, 5);
      const out = await engine.lossAndGrads(batch, state);
      const evaluated = await engine.evaluate(batch, state);
      engine.dispose();
      expect(Math.abs(out.loss - ref.loss) / ref.loss).toBeLessThan(TOL);
      expect(out.logits.length).toBe(5 * LABELS.length);
      expect(maxRelativeError(out.logits, ref.logits)).toBeLessThan(TOL);
      expect(maxRelativeError(evaluated.logits!, ref.logits)).toBeLessThan(TOL);
      expect(Math.abs(evaluated.lossSum - ref.lossSum) / ref.lossSum).toBeLessThan(TOL);
      expect(evaluated.count).toBeCloseTo(ref.weightSum, 5);
      expect([...out.grads.keys()]).toEqual([...ref.grads.keys()]);
      for (const [name, g] of ref.grads) {
        expect(maxRelativeError(out.grads.get(name)!.data, g.data), name).toBeLessThan(TOL);
      }
    },
  );

  it("trains like the reference engine (dropout, clipping, class weights)", async () => {
    const config = classifierConfig("gru", "mean", "embedding", { dropout: 0.2 });
    const params = initParams(config, createRng(5));
    const optimizer = { kind: "adam" } as const;
    const ref = createReferenceEngine({ config, params, optimizer });
    const ort = await createOrtEngine({ config, params, optimizer, threads: 1 });
    for (let step = 0; step < 3; step++) {
      const batch = paddedBatch(config.vocabSize, 10 + step, Float32Array.of(2, 1, 1, 0.5));
      const opts = { lr: 0.05, clipNorm: 0.5, dropoutSeed: 30 + step };
      const a = await ref.trainStep(batch, zeroState(config, 5), opts);
      const b = await ort.trainStep(batch, zeroState(config, 5), opts);
      expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(TOL);
      expect(Math.abs(a.gradNorm - b.gradNorm) / a.gradNorm).toBeLessThan(TOL);
    }
    const pa = await ref.getParams();
    const pb = await ort.getParams();
    for (const [name, t] of pa) expect(maxRelativeError(pb.get(name)!.data, t.data), name).toBeLessThan(TOL);
    ref.dispose();
    ort.dispose();
  });

  it("refuses a batch whose mask is not a prefix, or a label outside the head", async () => {
    const config = classifierConfig("rnn", "last", "embedding");
    const engine = await createOrtEngine({
      config,
      params: initParams(config, createRng(1)),
      optimizer: { kind: "sgd" },
    });
    const batch = paddedBatch(config.vocabSize, 1);
    const holed = { ...batch, mask: batch.mask!.map((v, i) => (i === 0 ? 0 : v)) };
    await expect(engine.evaluate(holed, zeroState(config, 5))).rejects.toMatchObject({
      code: "BATCH_SHAPE_MISMATCH",
    });
    const bad = { ...batch, y: batch.y.map(() => LABELS.length) };
    await expect(engine.evaluate(bad, zeroState(config, 5))).rejects.toMatchObject({ code: "LABEL_RANGE" });
    engine.dispose();
  });
});
