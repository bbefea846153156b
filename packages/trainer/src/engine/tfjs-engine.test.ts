import { createRng } from "@charrnn/core";
import { type CellType, zeroState } from "@charrnn/models";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import {
  cloneParams,
  loadTorchCase,
  maxRelError,
  randomBatch,
  randomParams,
  randomState,
  tinyConfig,
} from "./test-helpers";
import { createTfjsEngine, type TfjsEngine } from "./tfjs-engine";

// The engine lays its matmuls and step splits out differently per backend (see tfjs-ops), so the
// numerical checks run on both embedded backends.
const CASES = ["cpu", "wasm"].flatMap((backend) =>
  (["rnn", "gru", "lstm"] as CellType[]).map((cell) => [backend, cell] as const),
);

describe("tfjs engine: PyTorch parity", () => {
  for (const [backend, cell] of CASES) {
    it(`${backend}, ${cell}: logits, final state, loss and every gradient match torch`, async () => {
      const c = loadTorchCase(cell);
      const engine = await createTfjsEngine({
        config: c.config,
        params: c.params,
        optimizer: { kind: "sgd" },
        backend,
      });
      const out = await engine.lossAndGrads(c.batch, c.state);
      engine.dispose();
      expect(Math.abs(out.loss - c.loss) / c.loss).toBeLessThan(1e-4);
      expect(maxRelError(out.logits, c.logits)).toBeLessThan(1e-4);
      expect(maxRelError(out.state.h, c.finalH)).toBeLessThan(1e-4);
      if (c.finalC) expect(maxRelError(out.state.c!, c.finalC)).toBeLessThan(1e-4);
      expect([...out.grads.keys()].sort()).toEqual([...c.grads.keys()].sort());
      for (const [name, expected] of c.grads) {
        expect(maxRelError(out.grads.get(name)!.data, expected), name).toBeLessThan(1e-4);
      }
    });
  }
});

describe("tfjs engine: gradients against finite differences", () => {
  for (const [backend, cell] of CASES) {
    it(`${backend}, ${cell} with one-hot input and a mask: central differences agree, a wrong gradient would not`, async () => {
      const config = tinyConfig(cell, {
        input: "onehot",
        embed: undefined,
        layers: 2,
        hidden: 5,
        vocabSize: 7,
      });
      const params = randomParams(config, 3, 0.5);
      const batch = { ...randomBatch(7, 2, 4, 4), mask: Float32Array.from([1, 1, 0, 1, 1, 0.5, 1, 1]) };
      const state = randomState(config, 2, 5);
      const engine = await createTfjsEngine({ config, params, optimizer: { kind: "sgd" }, backend });
      const { grads } = await engine.lossAndGrads(batch, state);
      const meanLoss = async (p: typeof params): Promise<number> => {
        await engine.setParams(p);
        const r = await engine.evaluate(batch, state);
        return r.lossSum / r.count;
      };
      const rng = createRng(9);
      const eps = 1e-2;
      let worst = 0;
      let worstWrong = Number.POSITIVE_INFINITY;
      for (const [name, g] of grads) {
        // The largest-gradient coordinate (well above float32 noise) and a random one.
        let big = 0;
        for (let i = 1; i < g.data.length; i++) if (Math.abs(g.data[i]!) > Math.abs(g.data[big]!)) big = i;
        for (const i of [big, rng.nextInt(g.data.length)]) {
          const plus = cloneParams(params);
          plus.get(name)!.data[i]! += eps;
          const minus = cloneParams(params);
          minus.get(name)!.data[i]! -= eps;
          const fd = ((await meanLoss(plus)) - (await meanLoss(minus))) / (2 * eps);
          const err = (a: number): number => Math.abs(a - fd) / Math.max(Math.abs(fd), 1e-2);
          worst = Math.max(worst, err(g.data[i]!));
          if (i === big) worstWrong = Math.min(worstWrong, err(g.data[i]! * 1.1));
        }
      }
      engine.dispose();
      expect(worst).toBeLessThan(1e-2);
      expect(worstWrong).toBeGreaterThan(2e-2);
    });
  }
});

describe("tfjs engine: training", () => {
  it("learns a repetitive corpus: loss below 0.3 within 100 steps", async () => {
    const text = "abcd".repeat(200);
    const ids = Int32Array.from(text, (ch) => ch.charCodeAt(0) - 97);
    const config = tinyConfig("lstm", { vocabSize: 4, embed: 4, hidden: 12, layers: 1 });
    const engine = await createTfjsEngine({
      config,
      params: randomParams(config, 1, 0.2),
      optimizer: { kind: "adam" },
      backend: "cpu",
    });
    const B = 2;
    const T = 8;
    let state = zeroState(config, B);
    let loss = Number.POSITIVE_INFINITY;
    for (let step = 0; step < 100; step++) {
      const x = new Int32Array(B * T);
      const y = new Int32Array(B * T);
      for (let b = 0; b < B; b++) {
        const start = ((step * T) % 320) + b * 400;
        for (let t = 0; t < T; t++) {
          x[b * T + t] = ids[start + t]!;
          y[b * T + t] = ids[start + t + 1]!;
        }
      }
      const out = await engine.trainStep({ x, y, batch: B, steps: T }, state, {
        lr: 0.05,
        clipNorm: 5,
        dropoutSeed: step,
      });
      state = out.state;
      loss = out.loss;
    }
    engine.dispose();
    expect(loss).toBeLessThan(0.3);
  });

  it("is deterministic with dropout and weight drop, leaks no tensors, and resumes bit-identically", async () => {
    const config = tinyConfig("gru", { dropout: 0.3, weightDrop: 0.25 });
    const params = randomParams(config, 5);
    const batches = [0, 1, 2, 3].map((i) => randomBatch(13, 3, 5, 10 + i));
    const opts = (i: number) => ({ lr: 0.01, clipNorm: 0.5, dropoutSeed: 1000 + i });
    const run = async (from: number, to: number, engine: TfjsEngine) => {
      for (let i = from; i < to; i++) await engine.trainStep(batches[i]!, zeroState(config, 3), opts(i));
      return engine.getParams();
    };
    const optimizer = { kind: "adam", weightDecay: 0.01 } as const;
    const a = await createTfjsEngine({ config, params, optimizer, backend: "cpu" });
    await run(0, 1, a); // warm-up: kernels and caches may allocate once
    const before = tf.memory().numTensors;
    await a.evaluate(batches[0]!, zeroState(config, 3));
    await a.lossAndGrads(batches[0]!, zeroState(config, 3));
    const afterA = await run(1, 4, a);
    expect(tf.memory().numTensors).toBe(before);

    const b = await createTfjsEngine({ config, params, optimizer, backend: "cpu" });
    expect(await run(0, 4, b)).toEqual(afterA);

    const c = await createTfjsEngine({ config, params, optimizer, backend: "cpu" });
    const mid = await run(0, 2, c);
    const saved = await c.getOptimizerState();
    c.dispose();
    const d = await createTfjsEngine({ config, params: mid, optimizer, backend: "cpu" });
    await d.setOptimizerState(saved);
    expect(await run(2, 4, d)).toEqual(afterA);
    for (const e of [a, b, d]) e.dispose();
  });
});

describe("tfjs engine on wasm", () => {
  it("trains an embedding model and matches torch there too", async () => {
    const c = loadTorchCase("gru");
    const engine = await createTfjsEngine({
      config: c.config,
      params: c.params,
      optimizer: { kind: "sgd" },
      backend: "wasm",
    });
    expect(engine.backend).toBe("wasm");
    const out = await engine.lossAndGrads(c.batch, c.state);
    expect(
      maxRelError(out.grads.get("embedding.weight")!.data, c.grads.get("embedding.weight")!),
    ).toBeLessThan(1e-4);
    expect(Math.abs(out.loss - c.loss)).toBeLessThan(1e-4);
    const first = await engine.trainStep(c.batch, c.state, { lr: 0.5, dropoutSeed: 0 });
    const second = await engine.trainStep(c.batch, c.state, { lr: 0.5, dropoutSeed: 1 });
    engine.dispose();
    expect(first.loss).toBeCloseTo(c.loss, 4);
    expect(second.loss).toBeLessThan(first.loss);
  });
});

describe("tfjs engine: wasm against cpu", () => {
  it("a 2-layer one-hot LSTM trains step for step alike (dropout, mask, clipping, carried state), leaking nothing", async () => {
    const config = tinyConfig("lstm", { input: "onehot", embed: undefined, dropout: 0.3 });
    const params = randomParams(config, 8);
    const optimizer = { kind: "rmsprop" } as const;
    const [onCpu, onWasm] = await Promise.all(
      ["cpu", "wasm"].map((backend) => createTfjsEngine({ config, params, optimizer, backend })),
    );
    let cpuState = randomState(config, 3, 4);
    let wasmState = cpuState;
    let before = 0;
    for (let step = 0; step < 3; step++) {
      if (step === 1) before = tf.memory().numTensors; // after kernel and cache set-up
      const batch = {
        ...randomBatch(13, 3, 6, 30 + step),
        mask: Float32Array.from({ length: 18 }, (_, i) => (i % 5 === 2 ? 0 : 1)),
      };
      const opts = { lr: 0.01, clipNorm: 0.5, dropoutSeed: 40 + step };
      const a = await onCpu!.trainStep(batch, cpuState, opts);
      const b = await onWasm!.trainStep(batch, wasmState, opts);
      expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(1e-5);
      expect(Math.abs(a.gradNorm - b.gradNorm) / a.gradNorm).toBeLessThan(1e-4);
      expect(maxRelError(b.state.h, a.state.h)).toBeLessThan(1e-4);
      expect(maxRelError(b.state.c!, a.state.c!)).toBeLessThan(1e-4);
      cpuState = a.state;
      wasmState = b.state;
    }
    expect(tf.memory().numTensors).toBe(before);
    const pa = await onCpu!.getParams();
    const pb = await onWasm!.getParams();
    for (const [name, t] of pa) expect(maxRelError(pb.get(name)!.data, t.data), name).toBeLessThan(1e-3);
    onCpu!.dispose();
    onWasm!.dispose();
  });
});

describe("tfjs engine: input errors", () => {
  it("names the bad id, the state shape, the optimizer mismatch and use after dispose", async () => {
    const config = tinyConfig("lstm");
    const engine = await createTfjsEngine({
      config,
      params: randomParams(config, 1),
      optimizer: { kind: "adam" },
      backend: "cpu",
    });
    const batch = randomBatch(13, 2, 3, 1);
    batch.x[4] = 13;
    await expect(engine.evaluate(batch, zeroState(config, 2))).rejects.toThrow(/token id 13 at position 4/);
    batch.x[4] = 0;
    const { c: _c, ...noCell } = zeroState(config, 2);
    await expect(engine.evaluate(batch, noCell)).rejects.toThrow(/with c/);
    await expect(engine.evaluate(batch, zeroState(config, 3))).rejects.toThrow(/batch=2/);
    const sgdState = { kind: "sgd" as const, step: 1, slots: new Map() };
    await expect(engine.setOptimizerState(sgdState)).rejects.toThrow(/resume with the same optimizer/);
    engine.dispose();
    await expect(engine.getParams()).rejects.toThrow(/disposed/);
  });
});
