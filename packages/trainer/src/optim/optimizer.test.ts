import { CharrnnError, CharrnnRangeError, createRng } from "@charrnn/core";
import type { NamedTensors } from "@charrnn/models";
import { describe, expect, it } from "vitest";
import type { OptimizerConfig } from "../engine/types";
import { clipGradients } from "./clip";
import { createOptimizer } from "./optimizer";

const one = (w: number[], g: number[]): [NamedTensors, NamedTensors] => [
  new Map([["w", { shape: [w.length], data: Float32Array.from(w) }]]),
  new Map([["w", { shape: [g.length], data: Float32Array.from(g) }]]),
];

describe("createOptimizer: update rules", () => {
  it("adam's first step moves each weight by lr·g/(|g|+ε) (bias correction makes m̂=g, v̂=g²)", () => {
    const [p, g] = one([1, -2, 0.5], [0.3, -0.01, 2]);
    createOptimizer({ kind: "adam" }).apply(p, g, 0.1);
    const expected = [
      1 - (0.1 * 0.3) / (0.3 + 1e-8),
      -2 + (0.1 * 0.01) / (0.01 + 1e-8),
      0.5 - (0.1 * 2) / (2 + 1e-8),
    ];
    expect([...p.get("w")!.data]).toEqual(expected.map(Math.fround));
  });

  it("adam's decoupled weight decay shrinks w by lr·wd·w even with a zero gradient", () => {
    const [p, g] = one([2], [0]);
    createOptimizer({ kind: "adam", weightDecay: 0.5 }).apply(p, g, 0.1);
    expect(p.get("w")!.data[0]).toBeCloseTo(2 * (1 - 0.05), 6);
  });

  it("sgd with momentum and nesterov follows PyTorch over two steps", () => {
    const [p, g] = one([1], [0.5]);
    const opt = createOptimizer({ kind: "sgd", momentum: 0.9, nesterov: true });
    opt.apply(p, g, 0.1); // buf = 0.5; step = 0.5 + 0.9·0.5
    opt.apply(p, g, 0.1); // buf = 0.95; step = 0.5 + 0.9·0.95
    expect(p.get("w")!.data[0]).toBeCloseTo(1 - 0.1 * 0.95 - 0.1 * 1.355, 6);
  });

  it("sgd weight decay is added to the gradient (coupled L2)", () => {
    const [p, g] = one([2], [0.5]);
    createOptimizer({ kind: "sgd", weightDecay: 0.1 }).apply(p, g, 0.5);
    expect(p.get("w")!.data[0]).toBeCloseTo(2 - 0.5 * (0.5 + 0.2), 6);
  });

  it("rmsprop is char-rnn's: ms = ρ·ms + (1−ρ)·g², w −= lr·g/(√ms + ε)", () => {
    const [p, g] = one([1], [0.4]);
    const opt = createOptimizer({ kind: "rmsprop" });
    opt.apply(p, g, 0.01);
    opt.apply(p, g, 0.01);
    const ms1 = 0.05 * 0.16;
    const ms2 = 0.95 * ms1 + 0.05 * 0.16;
    expect(p.get("w")!.data[0]).toBeCloseTo(
      1 - (0.01 * 0.4) / (Math.sqrt(ms1) + 1e-8) - (0.01 * 0.4) / (Math.sqrt(ms2) + 1e-8),
      5,
    );
  });

  it("adagrad divides by the root of the summed squares", () => {
    const [p, g] = one([1], [0.3]);
    const opt = createOptimizer({ kind: "adagrad", initialAccumulator: 0.1 });
    opt.apply(p, g, 0.5);
    expect(p.get("w")!.data[0]).toBeCloseTo(1 - (0.5 * 0.3) / Math.sqrt(0.1 + 0.09), 6);
  });

  it("rejects bad settings with the option's name", () => {
    expect(() => createOptimizer({ kind: "adam", beta1: 1 })).toThrow(
      /adam.beta1 must be in \[0, 1\), got 1/,
    );
    expect(() => createOptimizer({ kind: "sgd", nesterov: true })).toThrow(CharrnnRangeError);
    expect(() => createOptimizer({ kind: "lbfgs" } as unknown as OptimizerConfig)).toThrow(
      /optimizer must be one of adam, sgd, rmsprop, adagrad/,
    );
    const [p, g] = one([1], [1]);
    expect(() => createOptimizer({ kind: "sgd" }).apply(p, g, Number.NaN)).toThrow(/lr must be/);
  });
});

describe("createOptimizer: state", () => {
  const configs: OptimizerConfig[] = [
    { kind: "adam", weightDecay: 0.01 },
    { kind: "sgd", momentum: 0.9 },
    { kind: "rmsprop", centered: true, momentum: 0.5 },
    { kind: "adagrad" },
  ];
  for (const config of configs) {
    it(`${config.kind}: export/import resumes bit-identically`, () => {
      const rng = createRng(7);
      const vec = (): Float32Array => Float32Array.from({ length: 6 }, () => rng.normal());
      const w0 = vec();
      const grads: NamedTensors[] = Array.from(
        { length: 5 },
        () => new Map([["w", { shape: [6], data: vec() }]]),
      );
      const params = (data: Float32Array): NamedTensors =>
        new Map([["w", { shape: [6], data: data.slice() }]]);

      const straight = params(w0);
      const a = createOptimizer(config);
      for (const g of grads) a.apply(straight, g, 0.05);

      const first = params(w0);
      const b = createOptimizer(config);
      for (const g of grads.slice(0, 2)) b.apply(first, g, 0.05);
      const saved = b.getState();
      const savedParams = params(first.get("w")!.data);
      b.apply(first, grads[4]!, 1); // must not leak into the saved copy
      const c = createOptimizer(config);
      c.setState(saved);
      for (const g of grads.slice(2)) c.apply(savedParams, g, 0.05);
      expect(c.step).toBe(5);
      expect(savedParams.get("w")!.data).toEqual(straight.get("w")!.data);
    });
  }

  it("refuses another optimizer's state", () => {
    const state = createOptimizer({ kind: "sgd" }).getState();
    expect(() => createOptimizer({ kind: "adam" }).setState(state)).toThrow(CharrnnError);
  });
});

describe("clipGradients", () => {
  it("returns the pre-clip norm and scales by clip/(norm+1e-6) only above the threshold", () => {
    const grads: NamedTensors = new Map([
      ["a", { shape: [1], data: Float32Array.from([3]) }],
      ["b", { shape: [1], data: Float32Array.from([4]) }],
    ]);
    expect(clipGradients(grads, 10)).toBeCloseTo(5, 6);
    expect(grads.get("a")!.data[0]).toBe(3);
    expect(clipGradients(grads, 1)).toBeCloseTo(5, 6);
    expect(grads.get("a")!.data[0]).toBeCloseTo(0.6, 6);
    expect(grads.get("b")!.data[0]).toBeCloseTo(0.8, 6);
  });
});
