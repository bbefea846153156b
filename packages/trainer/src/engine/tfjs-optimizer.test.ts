import { createRng } from "@charrnn/core";
import type { NamedTensors } from "@charrnn/models";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createOptimizer } from "../optim/optimizer";
import { selectBackend } from "./backend";
import { createTfjsOptimizer } from "./tfjs-optimizer";
import type { OptimizerConfig } from "./types";

const CONFIGS: OptimizerConfig[] = [
  { kind: "adam" },
  { kind: "adam", beta1: 0.8, beta2: 0.99, weightDecay: 0.1 },
  { kind: "sgd" },
  { kind: "sgd", momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  { kind: "rmsprop" },
  { kind: "rmsprop", decay: 0.9, centered: true, momentum: 0.7 },
  { kind: "adagrad", initialAccumulator: 0.1 },
];

const SHAPES: [string, number[]][] = [
  ["a", [3, 4]],
  ["b", [5]],
];

function randomTensors(seed: number, scale: number): NamedTensors {
  const rng = createRng(seed);
  const out: NamedTensors = new Map();
  for (const [name, shape] of SHAPES) {
    const data = Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.normal() * scale);
    out.set(name, { shape, data });
  }
  return out;
}

describe("TF.js optimizers equal the plain-TS ones", () => {
  beforeAll(async () => {
    await selectBackend({ backend: "cpu" });
  });

  for (const config of CONFIGS) {
    it(`${JSON.stringify(config)}: 6 steps within 1e-6, state exported identically`, async () => {
      const params = randomTensors(1, 1);
      const vars = new Map(
        [...params].map(([name, t]) => [name, tf.variable(tf.tensor(t.data.slice(), t.shape))]),
      );
      const tfOpt = createTfjsOptimizer(config, vars);
      const tsOpt = createOptimizer(config);
      for (let step = 0; step < 6; step++) {
        const grads = randomTensors(100 + step, 0.5);
        const lr = 0.05 / (step + 1);
        tsOpt.apply(params, grads, lr);
        tf.tidy(() => {
          tfOpt.apply(new Map([...grads].map(([name, g]) => [name, tf.tensor(g.data, g.shape)])), lr);
        });
      }
      for (const [name, t] of params) {
        const got = await vars.get(name)!.data();
        for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - t.data[i]!)).toBeLessThan(1e-6);
      }
      const tfState = await tfOpt.getState();
      const tsState = tsOpt.getState();
      expect(tfState.step).toBe(6);
      expect([...tfState.slots.keys()].sort()).toEqual([...tsState.slots.keys()].sort());
      for (const [key, data] of tsState.slots) {
        const got = tfState.slots.get(key)!;
        for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - data[i]!), key).toBeLessThan(1e-6);
      }
      tfOpt.dispose();
      tf.dispose([...vars.values()]);
    });
  }
});
