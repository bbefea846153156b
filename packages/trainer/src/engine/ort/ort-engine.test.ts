import {
  type CellType,
  type InputMode,
  type ModelConfig,
  maxRelativeError,
  referenceLossAndGrads,
  zeroState,
} from "@charrnn/models";
import { describe, expect, it } from "vitest";
import { createReferenceEngine } from "../reference-engine";
import {
  loadTorchCase,
  maskedBatch,
  randomBatch,
  randomParams,
  randomState,
  tinyConfig,
} from "../test-helpers";
import type { OptimizerConfig, TrainBatch } from "../types";
import { createOrtEngine } from "./ort-engine";

const TOL = 1e-4;

describe("ort engine gradients", () => {
  const cases: [CellType, InputMode, number][] = [];
  for (const cell of ["rnn", "gru", "lstm"] as const) {
    for (const input of ["embedding", "onehot"] as const)
      for (const layers of [1, 2]) cases.push([cell, input, layers]);
  }
  it.each(cases)(
    "%s %s %i layer(s): equal referenceLossAndGrads (carried state, mask)",
    async (cell, input, layers) => {
      const config = tinyConfig(cell, { input, layers, embed: input === "onehot" ? undefined : 6 });
      const params = randomParams(config, 3);
      const batch = maskedBatch(config.vocabSize, 3, 4, 4);
      const state = randomState(config, 3, 5);
      const ref = referenceLossAndGrads(config, params, batch, state);
      const engine = await createOrtEngine({ config, params, optimizer: { kind: "sgd" }, threads: 1 });
      const out = await engine.lossAndGrads(batch, state);
      engine.dispose();
      expect(Math.abs(out.loss - ref.loss) / ref.loss).toBeLessThan(TOL);
      expect(maxRelativeError(out.logits, ref.logits)).toBeLessThan(TOL);
      expect(maxRelativeError(out.state.h, ref.state.h)).toBeLessThan(TOL);
      if (cell === "lstm") expect(maxRelativeError(out.state.c!, ref.state.c!)).toBeLessThan(TOL);
      expect([...out.grads.keys()]).toEqual([...ref.grads.keys()]);
      for (const [name, g] of ref.grads) {
        expect(maxRelativeError(out.grads.get(name)!.data, g.data), name).toBeLessThan(TOL);
      }
    },
  );

  it.each(["rnn", "gru", "lstm"] as const)("%s: reproduces the PyTorch fixture", async (cell) => {
    const c = loadTorchCase(cell);
    const engine = await createOrtEngine({ config: c.config, params: c.params, optimizer: { kind: "sgd" } });
    const out = await engine.lossAndGrads(c.batch, c.state);
    engine.dispose();
    expect(Math.abs(out.loss - c.loss) / c.loss).toBeLessThan(TOL);
    expect(maxRelativeError(out.logits, c.logits)).toBeLessThan(TOL);
    expect(maxRelativeError(out.state.h, c.finalH)).toBeLessThan(TOL);
    if (c.finalC !== undefined) expect(maxRelativeError(out.state.c!, c.finalC)).toBeLessThan(TOL);
    for (const [name, g] of c.grads)
      expect(maxRelativeError(out.grads.get(name)!.data, g), name).toBeLessThan(TOL);
  });
});

describe("ort engine training", () => {
  const optimizers: [CellType, OptimizerConfig][] = [
    ["lstm", { kind: "adam", weightDecay: 0.01 }],
    ["gru", { kind: "rmsprop", momentum: 0.5 }],
    ["rnn", { kind: "sgd", momentum: 0.9 }],
  ];
  it.each(optimizers)(
    "%s + %o: tracks the reference engine (dropout, input dropout, weight drop, clipping, mask, state; GRU with locked masks)",
    async (cell, optimizer) => {
      const dropoutMode = cell === "gru" ? "locked" : "step";
      const config = tinyConfig(cell, { dropout: 0.25, inputDropout: 0.2, weightDrop: 0.3, dropoutMode });
      const params = randomParams(config, 21);
      const ref = createReferenceEngine({ config, params, optimizer });
      const ort = await createOrtEngine({ config, params, optimizer, threads: 1 });
      let refState = randomState(config, 2, 8);
      let ortState = refState;
      for (let step = 0; step < 3; step++) {
        const batch = maskedBatch(13, 2, 5, 50 + step);
        const opts = { lr: 0.02, clipNorm: 0.5, dropoutSeed: 77 + step };
        const a = await ref.trainStep(batch, refState, opts);
        const b = await ort.trainStep(batch, ortState, opts);
        expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(TOL);
        expect(Math.abs(a.gradNorm - b.gradNorm) / a.gradNorm).toBeLessThan(TOL);
        expect(maxRelativeError(b.state.h, a.state.h)).toBeLessThan(TOL);
        refState = a.state;
        ortState = b.state;
      }
      const pa = await ref.getParams();
      const pb = await ort.getParams();
      for (const [name, t] of pa)
        expect(maxRelativeError(pb.get(name)!.data, t.data), name).toBeLessThan(TOL);
      const sa = await ref.getOptimizerState();
      const sb = await ort.getOptimizerState();
      expect(sb.step).toBe(3);
      for (const [key, slot] of sa.slots)
        expect(maxRelativeError(sb.slots.get(key)!, slot), key).toBeLessThan(TOL);

      const batch = maskedBatch(13, 2, 5, 99);
      const evalA = await ref.evaluate(batch, refState);
      const evalB = await ort.evaluate(batch, ortState);
      expect(evalB.count).toBeCloseTo(evalA.count, 6);
      expect(Math.abs(evalA.lossSum - evalB.lossSum) / evalA.lossSum).toBeLessThan(TOL);
      expect(maxRelativeError(evalB.state.h, evalA.state.h)).toBeLessThan(TOL);
      ref.dispose();
      ort.dispose();
    },
  );

  it("loss falls on a repetitive corpus, deterministically", async () => {
    const config: ModelConfig = { ...tinyConfig("lstm", { layers: 1, hidden: 16 }), vocabSize: 5 };
    const B = 4;
    const T = 8;
    const x = Int32Array.from({ length: B * T }, (_, i) => (i + Math.floor(i / T)) % 5);
    const batch: TrainBatch = { x, y: x.map((v) => (v + 1) % 5), batch: B, steps: T };
    const run = async (): Promise<{ first: number; last: number; params: Map<string, Float32Array> }> => {
      const engine = await createOrtEngine({
        config,
        params: randomParams(config, 9),
        optimizer: { kind: "adam" },
      });
      let first = 0;
      let last = 0;
      for (let step = 0; step < 60; step++) {
        const out = await engine.trainStep(batch, zeroState(config, B), {
          lr: 0.03,
          clipNorm: 5,
          dropoutSeed: step,
        });
        if (step === 0) first = out.loss;
        last = out.loss;
      }
      const params = new Map([...(await engine.getParams())].map(([k, t]) => [k, t.data]));
      engine.dispose();
      return { first, last, params };
    };
    const a = await run();
    const b = await run();
    expect(a.first).toBeGreaterThan(1.4);
    expect(a.last).toBeLessThan(0.2);
    expect(b.last).toBe(a.last);
    for (const [name, data] of a.params) expect(b.params.get(name), name).toEqual(data);
  });

  it("setParams and setOptimizerState take effect; dispose ends the engine", async () => {
    const config = tinyConfig("gru", { layers: 1 });
    const engine = await createOrtEngine({
      config,
      params: randomParams(config, 1),
      optimizer: { kind: "adam" },
    });
    const batch = randomBatch(13, 2, 3, 7);
    const state = zeroState(config, 2);
    const other = randomParams(config, 2);
    await engine.setParams(other);
    const out = await engine.lossAndGrads(batch, state);
    expect(out.loss).toBeCloseTo(referenceLossAndGrads(config, other, batch, state).loss, 5);
    const saved = await engine.getOptimizerState();
    await engine.trainStep(batch, state, { lr: 0.01, dropoutSeed: 0 });
    await engine.setOptimizerState(saved);
    expect((await engine.getOptimizerState()).step).toBe(0);
    engine.dispose();
    await expect(engine.getParams()).rejects.toMatchObject({ code: "ENGINE_DISPOSED" });
  });
});
