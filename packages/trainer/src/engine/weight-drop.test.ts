import { layerParamNames, type NamedTensors, weightDropMasks } from "@charrnn/models";
import { describe, expect, it } from "vitest";
import { createReferenceEngine } from "./reference-engine";
import { cloneParams, randomBatch, randomParams, randomState, tinyConfig } from "./test-helpers";

describe("weight drop", () => {
  it.each(["lstm", "gru", "rnn"] as const)(
    "%s: a step's update is the gradient of the loss at W ⊙ m with respect to W (finite differences)",
    async (cell) => {
      const rate = 0.4;
      const config = tinyConfig(cell, { weightDrop: rate });
      const params = randomParams(config, 3);
      const batch = randomBatch(13, 2, 6, 4);
      const state = randomState(config, 2, 5);
      const seed = 17;
      // Plain SGD at lr 1 without clipping: the update is minus the gradient.
      const engine = createReferenceEngine({ config, params, optimizer: { kind: "sgd" } });
      await engine.trainStep(batch, state, { lr: 1, dropoutSeed: seed });
      const after = await engine.getParams();

      // The loss the step saw: the same model without weight drop, run with each W_hh masked.
      const plain = createReferenceEngine({
        config: { ...config, weightDrop: undefined },
        params,
        optimizer: { kind: "sgd" },
      });
      const masks = weightDropMasks(config, seed)!;
      const lossAt = async (p: NamedTensors): Promise<number> => {
        const masked = cloneParams(p);
        masks.forEach((m, k) => {
          const w = masked.get(layerParamNames(k).weightHh)!.data;
          for (let i = 0; i < w.length; i++) w[i]! *= m[i]!;
        });
        await plain.setParams(masked);
        return (await plain.lossAndGrads(batch, state)).loss;
      };

      let dropped = 0;
      let kept = 0;
      for (let k = 0; k < config.layers; k++) {
        const name = layerParamNames(k).weightHh;
        const w = params.get(name)!.data;
        const step = after.get(name)!.data;
        for (let i = 0; i < w.length; i += 7) {
          const grad = w[i]! - step[i]!;
          if (masks[k]![i] === 0) {
            // A dropped weight took no part in the step, so it gets no update.
            expect(step[i], `${name}[${i}]`).toBe(w[i]);
            dropped++;
            continue;
          }
          const eps = 1e-2;
          const plus = cloneParams(params);
          plus.get(name)!.data[i]! += eps;
          const minus = cloneParams(params);
          minus.get(name)!.data[i]! -= eps;
          const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * eps);
          expect(Math.abs(grad - numeric), `${name}[${i}]: ${grad} vs ${numeric}`).toBeLessThan(
            2e-3 * Math.max(Math.abs(numeric), 1e-2),
          );
          kept++;
        }
      }
      // Both kinds of entry were checked.
      expect(dropped).toBeGreaterThan(3);
      expect(kept).toBeGreaterThan(3);
    },
  );

  it("draws one mask per layer shaped like W_hh: 0 or 1/(1 − p), about p of them 0, new each step", () => {
    const config = tinyConfig("lstm", { hidden: 40, weightDrop: 0.3 });
    const a = weightDropMasks(config, 5)!;
    expect(a.map((m) => m.length)).toEqual([4 * 40 * 40, 4 * 40 * 40]);
    for (const m of a) {
      expect(new Set(m)).toEqual(new Set([0, Math.fround(1 / 0.7)]));
      const zeros = m.filter((v) => v === 0).length / m.length;
      expect(zeros).toBeGreaterThan(0.27);
      expect(zeros).toBeLessThan(0.33);
    }
    expect(a[0]).not.toEqual(a[1]);
    expect(weightDropMasks(config, 5)).toEqual(a);
    expect(weightDropMasks(config, 6)![0]).not.toEqual(a[0]);
    expect(weightDropMasks(tinyConfig("lstm"), 5)).toBeUndefined();
  });

  it("leaves evaluation to the unmasked weights", async () => {
    const config = tinyConfig("gru", { weightDrop: 0.5 });
    const params = randomParams(config, 8);
    const batch = randomBatch(13, 2, 6, 9);
    const state = randomState(config, 2, 10);
    const withDrop = createReferenceEngine({ config, params, optimizer: { kind: "sgd" } });
    const without = createReferenceEngine({ config: tinyConfig("gru"), params, optimizer: { kind: "sgd" } });
    expect((await withDrop.evaluate(batch, state)).lossSum).toBe(
      (await without.evaluate(batch, state)).lossSum,
    );
  });
});
