import { createRng } from "@charrnn/core";
import { type CellType, maxRelativeError, zeroState } from "@charrnn/models";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toClassifierTrainBatch } from "../../classify/classifier-batch";
import { createReferenceEngine } from "../reference-engine";
import { maskedBatch, randomBatch, randomParams, randomState, tinyConfig } from "../test-helpers";
import type { OptimizerConfig } from "../types";
import { testTorchPython } from "./test-torch";
import { createTorchEngine, startTorchWorkers, type TorchWorkers } from "./torch-engine";

const TOL = 1e-5;
const python = testTorchPython();

const OPTIMIZERS: OptimizerConfig[] = [
  { kind: "adam", weightDecay: 0.01 },
  { kind: "sgd", momentum: 0.9, nesterov: true, weightDecay: 0.001 },
  { kind: "rmsprop", momentum: 0.5, centered: true },
  { kind: "adagrad", initialAccumulator: 0.1 },
];

describe.skipIf(python === undefined)("torch engine", () => {
  let workers: TorchWorkers;
  beforeAll(async () => {
    workers = await startTorchWorkers({ device: "cpu", python: python!.path });
  }, 120_000);
  afterAll(() => workers?.close());

  it("names the BLAS it multiplies with on CPU in its first log line", async () => {
    const config = tinyConfig("gru");
    const lines: string[] = [];
    const torch = await createTorchEngine({
      config,
      params: randomParams(config, 3),
      optimizer: { kind: "adam" },
      workers,
      log: (line) => lines.push(line),
    });
    torch.dispose();
    expect(lines[0]).toMatch(/^torch engine: .+, cpu \(torch [^,]+, BLAS [\w.-]+, 1 process\)$/);
  });

  const cases: [CellType, OptimizerConfig][] = [];
  for (const cell of ["rnn", "gru", "lstm"] as const) for (const opt of OPTIMIZERS) cases.push([cell, opt]);
  // In float64, as the reference computes: in float32 a gradient near Adam's or RMSprop's epsilon
  // (1e-8) changes its update by more than 1e-5 with rounding alone (float32 is tested below).
  it.each(cases)(
    "%s + %o: one step equals the reference engine's (loss, weights, moments, state)",
    async (cell, optimizer) => {
      const config = tinyConfig(cell);
      const params = randomParams(config, 21);
      const ref = createReferenceEngine({ config, params, optimizer });
      const torch = await createTorchEngine({ config, params, optimizer, workers, dtype: "float64" });
      const state = randomState(config, 4, 8);
      // The gradient norm is above the clip, so clipping is exercised.
      const opts = { lr: 0.02, clipNorm: 0.1, dropoutSeed: 0 };
      const batch = randomBatch(13, 4, 5, 50);
      const a = await ref.trainStep(batch, state, opts);
      const b = await torch.trainStep(batch, state, opts);
      expect(a.gradNorm).toBeGreaterThan(0.1);
      expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(TOL);
      expect(Math.abs(a.gradNorm - b.gradNorm) / a.gradNorm).toBeLessThan(TOL);
      expect(maxRelativeError(b.state.h, a.state.h)).toBeLessThan(TOL);
      if (cell === "lstm") expect(maxRelativeError(b.state.c!, a.state.c!)).toBeLessThan(TOL);
      const pa = await ref.getParams();
      const pb = await torch.getParams();
      expect([...pb.keys()]).toEqual([...pa.keys()]);
      for (const [name, t] of pa) {
        expect(pb.get(name)!.shape).toEqual(t.shape);
        expect(maxRelativeError(pb.get(name)!.data, t.data), name).toBeLessThan(TOL);
      }
      const sa = await ref.getOptimizerState();
      const sb = await torch.getOptimizerState();
      expect(sb.kind).toBe(sa.kind);
      expect(sb.step).toBe(1);
      expect([...sb.slots.keys()].sort()).toEqual([...sa.slots.keys()].sort());
      for (const [key, slot] of sa.slots)
        expect(maxRelativeError(sb.slots.get(key)!, slot), key).toBeLessThan(TOL);
      // A second step from the state the workers kept (the engine does not send it back again).
      const next = randomBatch(13, 4, 5, 51);
      const a2 = await ref.trainStep(next, a.state, opts);
      const b2 = await torch.trainStep(next, b.state, opts);
      expect(Math.abs(a2.loss - b2.loss) / a2.loss).toBeLessThan(TOL);
      expect(maxRelativeError(b2.state.h, a2.state.h)).toBeLessThan(TOL);
      torch.dispose();
    },
  );

  it.each(["embedding", "onehot"] as const)(
    "%s input: loss, logits, state and gradients equal the reference's (mask)",
    async (input) => {
      const config = tinyConfig("lstm", { input, embed: input === "onehot" ? undefined : 6 });
      const params = randomParams(config, 3);
      const batch = maskedBatch(13, 3, 4, 4);
      const state = randomState(config, 3, 5);
      const ref = createReferenceEngine({ config, params, optimizer: { kind: "sgd" } });
      const torch = await createTorchEngine({ config, params, optimizer: { kind: "sgd" }, workers });
      const a = await ref.lossAndGrads(batch, state);
      const b = await torch.lossAndGrads(batch, state);
      expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(TOL);
      expect(maxRelativeError(b.logits, a.logits)).toBeLessThan(TOL);
      expect(maxRelativeError(b.state.c!, a.state.c!)).toBeLessThan(TOL);
      for (const [name, g] of a.grads)
        expect(maxRelativeError(b.grads.get(name)!.data, g.data), name).toBeLessThan(TOL);
      const ea = await ref.evaluate(batch, state);
      const eb = await torch.evaluate(batch, state);
      expect(eb.count).toBeCloseTo(ea.count, 6);
      expect(Math.abs(ea.lossSum - eb.lossSum) / ea.lossSum).toBeLessThan(TOL);
      torch.dispose();
    },
  );

  it.each([
    ["gru", "last", "embedding"],
    ["lstm", "mean", "onehot"],
  ] as const)(
    "classifier %s, %s pooling, %s input: a step and evaluate equal the reference's (class weights)",
    async (cell, pooling, input) => {
      const config = tinyConfig(cell, {
        input,
        embed: input === "onehot" ? undefined : 6,
        head: { kind: "classifier", labels: ["a", "b", "c"], pooling },
      });
      const params = randomParams(config, 5);
      const rng = createRng(6);
      const lengths = Int32Array.of(6, 1, 3, 4);
      const x = new Int32Array(4 * 6);
      for (let b = 0; b < 4; b++) for (let t = 0; t < lengths[b]!; t++) x[b * 6 + t] = rng.nextInt(13);
      const labels = Int32Array.of(0, 2, 1, 2);
      const batch = toClassifierTrainBatch(
        { x, lengths, labels, batch: 4, steps: 6 },
        Float32Array.of(1, 0.5, 2),
      );
      const optimizer: OptimizerConfig = { kind: "adam" };
      const ref = createReferenceEngine({ config, params, optimizer });
      const torch = await createTorchEngine({ config, params, optimizer, workers, dtype: "float64" });
      const state = zeroState(config, 4);
      const ea = await ref.evaluate(batch, state);
      const eb = await torch.evaluate(batch, state);
      expect(eb.count).toBeCloseTo(ea.count, 6);
      expect(maxRelativeError(eb.logits!, ea.logits!)).toBeLessThan(TOL);
      const a = await ref.trainStep(batch, state, { lr: 0.05, clipNorm: 1, dropoutSeed: 0 });
      const b = await torch.trainStep(batch, state, { lr: 0.05, clipNorm: 1, dropoutSeed: 0 });
      expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(TOL);
      const pa = await ref.getParams();
      const pb = await torch.getParams();
      expect([...pb.keys()]).toEqual([...pa.keys()]);
      for (const [name, t] of pa)
        expect(maxRelativeError(pb.get(name)!.data, t.data), name).toBeLessThan(TOL);
      torch.dispose();
    },
  );

  it.each(["lstm", "gru"] as const)(
    "%s weight drop: a step moves about 1 − p of each W_hh (torch draws the mask, fixed by the step seed), every W_ih entry, and eval ignores it",
    async (cell) => {
      const config = tinyConfig(cell, { hidden: 16, weightDrop: 0.5 });
      const params = randomParams(config, 4);
      const torch = await createTorchEngine({ config, params, optimizer: { kind: "sgd" }, workers });
      const ref = createReferenceEngine({ config, params, optimizer: { kind: "sgd" } });
      const state = randomState(config, 4, 5);
      const batch = randomBatch(13, 4, 6, 6);
      const evalA = await ref.evaluate(batch, state);
      const evalB = await torch.evaluate(batch, state);
      expect(Math.abs(evalA.lossSum - evalB.lossSum) / evalA.lossSum).toBeLessThan(TOL);
      await torch.trainStep(batch, state, { lr: 0.1, dropoutSeed: 7 });
      const after = await torch.getParams();
      // The step's seed fixes the mask: a second engine taking the same step lands on the same weights.
      const again = await createTorchEngine({ config, params, optimizer: { kind: "sgd" }, workers });
      await again.trainStep(batch, state, { lr: 0.1, dropoutSeed: 7 });
      expect(await again.getParams()).toEqual(after);
      again.dispose();
      const unchanged = (name: string): number => {
        const a = params.get(name)!.data;
        const b = after.get(name)!.data;
        return a.filter((v, i) => v === b[i]).length / a.length;
      };
      for (let k = 0; k < config.layers; k++) {
        expect(unchanged(`rnn.weight_hh_l${k}`)).toBeGreaterThan(0.4);
        expect(unchanged(`rnn.weight_hh_l${k}`)).toBeLessThan(0.6);
        expect(unchanged(`rnn.weight_ih_l${k}`)).toBeLessThan(0.02);
      }
      torch.dispose();
    },
  );

  it.each(["lstm", "gru", "rnn"] as const)(
    "%s locked dropout: the layer-by-layer run a locked mask between layers takes trains as the reference does (at rate 1e-9 every mask keeps)",
    async (cell) => {
      const config = tinyConfig(cell, { dropout: 1e-9, inputDropout: 1e-9, dropoutMode: "locked" });
      const params = randomParams(config, 8);
      const optimizer: OptimizerConfig = { kind: "adam" };
      const ref = createReferenceEngine({ config, params, optimizer });
      const torch = await createTorchEngine({ config, params, optimizer, workers, dtype: "float64" });
      let refState = randomState(config, 4, 2);
      let torchState = refState;
      for (let step = 0; step < 2; step++) {
        const batch = randomBatch(13, 4, 6, 30 + step);
        const opts = { lr: 0.05, clipNorm: 1, dropoutSeed: step };
        const a = await ref.trainStep(batch, refState, opts);
        const b = await torch.trainStep(batch, torchState, opts);
        expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(TOL);
        expect(maxRelativeError(b.state.h, a.state.h)).toBeLessThan(TOL);
        refState = a.state;
        torchState = b.state;
      }
      const pa = await ref.getParams();
      const pb = await torch.getParams();
      for (const [name, t] of pa)
        expect(maxRelativeError(pb.get(name)!.data, t.data), name).toBeLessThan(TOL);
      torch.dispose();
    },
  );

  it("locked dropout: with one stream a dropped unit gets no gradient at any time step, so whole columns of W_ih and the output stay put; with step masks none do", async () => {
    const base = tinyConfig("lstm", { hidden: 32, embed: 32, dropout: 0.5, inputDropout: 0.5 });
    const params = randomParams(base, 5);
    const batch = randomBatch(13, 1, 24, 9);
    /** Per weight that reads a dropped-out input: the share of its columns that kept every entry. */
    const columns = async (dropoutMode: "step" | "locked") => {
      const config = { ...base, dropoutMode };
      const torch = await createTorchEngine({ config, params, optimizer: { kind: "sgd" }, workers });
      await torch.trainStep(batch, zeroState(config, 1), { lr: 0.1, dropoutSeed: 3 });
      const after = await torch.getParams();
      torch.dispose();
      return ["rnn.weight_ih_l0", "rnn.weight_ih_l1", "output.weight"].map((name) => {
        const [rows, cols] = params.get(name)!.shape as [number, number];
        const a = params.get(name)!.data;
        const b = after.get(name)!.data;
        let kept = 0;
        for (let j = 0; j < cols; j++) {
          let same = 0;
          for (let i = 0; i < rows; i++) if (a[i * cols + j] === b[i * cols + j]) same++;
          if (same === rows) kept++;
        }
        return { name, kept: kept / cols };
      });
    };
    for (const c of await columns("locked")) {
      expect(c.kept, c.name).toBeGreaterThan(0.2);
      expect(c.kept, c.name).toBeLessThan(0.8);
    }
    for (const c of await columns("step")) expect(c.kept, c.name).toBe(0);
  });

  /** ‖a − b‖ / ‖a‖. */
  const relativeL2 = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
    let d = 0;
    let n = 0;
    for (let i = 0; i < a.length; i++) {
      d += (a[i]! - b[i]!) ** 2;
      n += a[i]! ** 2;
    }
    return Math.sqrt(d / n);
  };

  it.each(["lstm", "gru", "rnn"] as const)(
    "%s with --precision bf16: a window's loss, logits, state and gradients are float32's to bfloat16's rounding, not float32's bit for bit",
    async (cell) => {
      const config = tinyConfig(cell, { hidden: 48, embed: 16 });
      const params = randomParams(config, 11, 0.2);
      const batch = randomBatch(13, 4, 12, 7);
      const state = randomState(config, 4, 3);
      const lines: string[] = [];
      // One engine at a time: the shared workers hold the latest one made.
      const fp32 = await createTorchEngine({ config, params, optimizer: { kind: "sgd" }, workers });
      const a = await fp32.lossAndGrads(batch, state);
      fp32.dispose();
      const bf16 = await createTorchEngine({
        config,
        params,
        optimizer: { kind: "sgd" },
        workers,
        precision: "bf16",
        log: (line) => lines.push(line),
      });
      expect(lines[0]).toMatch(/, bf16 mixed precision\)$/);
      const b = await bf16.lossAndGrads(batch, state);
      bf16.dispose();
      expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(0.01);
      // float32 matmuls in another order differ by ~1e-7; bfloat16 keeps 8 bits of mantissa.
      expect(maxRelativeError(b.logits, a.logits)).toBeGreaterThan(1e-4);
      expect(relativeL2(a.logits, b.logits)).toBeLessThan(0.02);
      expect(b.state.h).toBeInstanceOf(Float32Array);
      expect(relativeL2(a.state.h, b.state.h)).toBeLessThan(0.02);
      if (cell === "lstm") expect(relativeL2(a.state.c!, b.state.c!)).toBeLessThan(0.02);
      for (const [name, g] of a.grads)
        expect(relativeL2(g.data, b.grads.get(name)!.data), name).toBeLessThan(0.05);
    },
  );

  it("--precision bf16 trains through the locked layer-by-layer run and weight drop: a step moves the float32 weights as float32 does", async () => {
    // At rate 1e-9 every mask keeps, so both precisions take the same paths with the same masks.
    const config = tinyConfig("lstm", {
      hidden: 48,
      embed: 16,
      dropout: 1e-9,
      inputDropout: 1e-9,
      weightDrop: 1e-9,
      dropoutMode: "locked",
    });
    const params = randomParams(config, 12, 0.2);
    const batch = randomBatch(13, 4, 12, 8);
    const state = randomState(config, 4, 4);
    const opts = { lr: 0.5, dropoutSeed: 1 };
    const step = async (precision: "fp32" | "bf16") => {
      const torch = await createTorchEngine({
        config,
        params,
        optimizer: { kind: "sgd" },
        workers,
        precision,
      });
      const result = await torch.trainStep(batch, state, opts);
      const after = await torch.getParams();
      torch.dispose();
      return { loss: result.loss, after };
    };
    const { loss: la, after: pa } = await step("fp32");
    const { loss: lb, after: pb } = await step("bf16");
    expect(la).not.toBe(lb);
    expect(Math.abs(la - lb) / la).toBeLessThan(0.01);
    for (const [name, t] of params) {
      const before = t.data;
      const da = pa.get(name)!.data.map((v, i) => v - before[i]!);
      const db = pb.get(name)!.data.map((v, i) => v - before[i]!);
      expect(relativeL2(da, db), name).toBeLessThan(0.05);
    }
  });

  it("refuses --precision bf16 with float64 weights, and an unknown precision, naming the choices", async () => {
    const config = tinyConfig("gru");
    const params = randomParams(config, 1);
    await expect(
      createTorchEngine({
        config,
        params,
        optimizer: { kind: "sgd" },
        workers,
        dtype: "float64",
        precision: "bf16",
      }),
    ).rejects.toMatchObject({ code: "TORCH_PRECISION", message: expect.stringMatching(/float32 weights/) });
    await expect(
      createTorchEngine({ config, params, optimizer: { kind: "sgd" }, workers, precision: "fp16" as never }),
    ).rejects.toMatchObject({ code: "TORCH_PRECISION", message: expect.stringMatching(/fp32, bf16/) });
  });

  it("resumes another engine's weights and moments: setParams and setOptimizerState, then a step equals the reference's", async () => {
    const config = tinyConfig("gru");
    const optimizer: OptimizerConfig = { kind: "adam" };
    const ref = createReferenceEngine({ config, params: randomParams(config, 1), optimizer });
    const state = randomState(config, 2, 3);
    await ref.trainStep(randomBatch(13, 2, 4, 1), state, { lr: 0.01, dropoutSeed: 0 });
    const torch = await createTorchEngine({ config, params: randomParams(config, 2), optimizer, workers });
    await torch.setParams(await ref.getParams());
    await torch.setOptimizerState(await ref.getOptimizerState());
    const batch = randomBatch(13, 2, 4, 2);
    const a = await ref.trainStep(batch, state, { lr: 0.01, dropoutSeed: 1 });
    const b = await torch.trainStep(batch, state, { lr: 0.01, dropoutSeed: 1 });
    expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(TOL);
    const sb = await torch.getOptimizerState();
    expect(sb.step).toBe(2);
    const pa = await ref.getParams();
    const pb = await torch.getParams();
    for (const [name, t] of pa) expect(maxRelativeError(pb.get(name)!.data, t.data), name).toBeLessThan(TOL);
    await expect(torch.setOptimizerState({ kind: "sgd", step: 0, slots: new Map() })).rejects.toMatchObject({
      code: "OPTIMIZER_STATE_MISMATCH",
    });
    torch.dispose();
    await expect(torch.getParams()).rejects.toMatchObject({ code: "ENGINE_DISPOSED" });
  });
});
