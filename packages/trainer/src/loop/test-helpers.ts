// Shared by the loop tests only (not exported from the package).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHECKPOINT_DIR, checkpointFileName } from "@charrnn/core";
import type { NamedTensors, RnnState } from "@charrnn/models";
import { expect } from "vitest";
import { readCheckpoint } from "../checkpoint/checkpoint-store";
import type { EngineOptions, OptimizerState, StepOptions, TrainBatch, TrainingEngine } from "../engine/types";
import { train } from "./train";
import type { TrainEvent, TrainOptions } from "./train-types";

/** Knobs that make the fake engine misbehave on purpose. */
export interface FakeEngineOptions {
  /** The n-th `trainStep` call (1-based) reports a NaN loss. */
  nanAtCall?: number;
  /** Every `trainStep` call from the n-th on reports a NaN loss. */
  nanFromCall?: number;
  /** The n-th `trainStep` call reports a finite but runaway loss (a million nats). */
  runawayAtCall?: number;
  /**
   * After the n-th `trainStep` call a weight the fake model never reads becomes Infinity: the loss
   * stays finite, only the loop's check of the weights before a checkpoint sees it.
   */
  poisonAtCall?: number;
  /** Receives the options of every `trainStep` call, in order (the lr and dropout seed it got). */
  calls?: StepOptions[];
  /** Losses `evaluate` reports, one per validation (per split pass), instead of computing them. */
  valLosses?: number[];
}

/**
 * A deterministic stand-in for a real engine: a "model" whose logits are
 * `output.bias + output.weight · h`, where the state h moves towards the embedding of each input
 * token (so the carried state matters), trained by SGD with momentum (so optimizer slots matter)
 * with the gradient scaled by a function of the dropout seed (so that seed matters). Float64 math,
 * float32 storage: two identical call sequences give identical bits.
 */
export function createFakeEngine(options: EngineOptions, fake: FakeEngineOptions = {}): TrainingEngine {
  const { config } = options;
  const params: NamedTensors = new Map();
  for (const [name, t] of options.params) params.set(name, { shape: [...t.shape], data: t.data.slice() });
  const V = config.vocabSize;
  const H = config.hidden;
  let momentum = new Float32Array(V * H + V);
  let updates = 0;
  let calls = 0;
  let valCalls = 0;
  let lastValBatchCount = -1;
  const bias = () => params.get("output.bias")!.data;
  const weight = () => params.get("output.weight")!.data;
  const embedding = () => params.get("embedding.weight")!.data;
  const E = config.embed ?? 0;

  /** Runs the windows; returns the loss sum and, when `grad` is given, accumulates gradients. */
  const run = (batch: TrainBatch, state: RnnState, grad?: Float64Array) => {
    const h = Float64Array.from(state.h);
    const b = bias();
    const w = weight();
    const emb = embedding();
    const logits = new Float64Array(V);
    let lossSum = 0;
    for (let r = 0; r < batch.batch; r++) {
      for (let t = 0; t < batch.steps; t++) {
        const x = batch.x[r * batch.steps + t]!;
        const y = batch.y[r * batch.steps + t]!;
        for (let j = 0; j < H; j++) h[r * H + j] = 0.5 * h[r * H + j]! + 0.5 * emb[x * E + (j % E)]!;
        let max = -Infinity;
        for (let v = 0; v < V; v++) {
          let z = b[v]!;
          for (let j = 0; j < H; j++) z += w[v * H + j]! * h[r * H + j]!;
          logits[v] = z;
          if (z > max) max = z;
        }
        let sum = 0;
        for (let v = 0; v < V; v++) sum += Math.exp(logits[v]! - max);
        lossSum += Math.log(sum) + max - logits[y]!;
        if (grad) {
          for (let v = 0; v < V; v++) {
            const g = Math.exp(logits[v]! - max) / sum - (v === y ? 1 : 0);
            for (let j = 0; j < H; j++) grad[v * H + j]! += g * h[r * H + j]!;
            grad[V * H + v]! += g;
          }
        }
      }
    }
    const next: RnnState = { ...state, h: Float32Array.from(h) };
    if (state.c) next.c = state.c.slice();
    return { lossSum, count: batch.batch * batch.steps, state: next };
  };

  return {
    name: "fake",
    backend: "js",
    config,
    async trainStep(batch, state, opts) {
      calls++;
      fake.calls?.push({ ...opts });
      const grad = new Float64Array(V * H + V);
      const out = run(batch, state, grad);
      let norm = 0;
      for (let i = 0; i < grad.length; i++) {
        grad[i]! /= out.count;
        norm += grad[i]! * grad[i]!;
      }
      norm = Math.sqrt(norm);
      const clip = opts.clipNorm && norm > opts.clipNorm ? opts.clipNorm / norm : 1;
      const noise = 1 + ((opts.dropoutSeed % 7) - 3) * 1e-3;
      const w = weight();
      const b = bias();
      for (let i = 0; i < grad.length; i++) {
        momentum[i] = 0.9 * momentum[i]! + grad[i]! * clip * noise;
        if (i < V * H) w[i] = w[i]! - opts.lr * momentum[i]!;
        else b[i - V * H] = b[i - V * H]! - opts.lr * momentum[i]!;
      }
      updates++;
      if (calls === fake.poisonAtCall) params.get("rnn.bias_hh_l0")!.data[0] = Number.POSITIVE_INFINITY;
      const nan = calls === fake.nanAtCall || (fake.nanFromCall !== undefined && calls >= fake.nanFromCall);
      const loss = nan ? Number.NaN : calls === fake.runawayAtCall ? 1e6 : out.lossSum / out.count;
      return { loss, gradNorm: norm, state: out.state };
    },
    async evaluate(batch, state) {
      const out = run(batch, state);
      if (fake.valLosses) {
        // evaluateSplit walks the split from a zero state: a zero state marks a new validation pass.
        if (!state.h.some((v) => v !== 0) && lastValBatchCount !== calls) {
          valCalls++;
          lastValBatchCount = calls;
        }
        const value = fake.valLosses[Math.min(valCalls - 1, fake.valLosses.length - 1)]!;
        return { lossSum: value * out.count, count: out.count, state: out.state };
      }
      return out;
    },
    async getParams() {
      const copy: NamedTensors = new Map();
      for (const [name, t] of params) copy.set(name, { shape: [...t.shape], data: t.data.slice() });
      return copy;
    },
    async setParams(next) {
      for (const [name, t] of next) params.set(name, { shape: [...t.shape], data: t.data.slice() });
    },
    async getOptimizerState(): Promise<OptimizerState> {
      return { kind: "sgd", step: updates, slots: new Map([["fake/momentum", momentum.slice()]]) };
    },
    async setOptimizerState(state) {
      updates = state.step;
      momentum = state.slots.get("fake/momentum")!.slice();
    },
    dispose() {},
  };
}

export const shakespeare = readFileSync(
  new URL("../../../../test-fixtures/tinyshakespeare.txt", import.meta.url),
  "utf8",
);
export const text = shakespeare.slice(0, 700);
export const fresh = () => mkdtempSync(join(tmpdir(), "charrnn-train-"));

export function options(
  outDir: string,
  over: Partial<TrainOptions> = {},
  fake: FakeEngineOptions = {},
): TrainOptions {
  return {
    corpus: { text },
    outDir,
    createEngine: async (o: EngineOptions) => createFakeEngine(o, fake),
    cell: "lstm",
    layers: 1,
    hidden: 4,
    embed: 3,
    init: { kind: "uniform", scale: 0.1 },
    seq: 8,
    batch: 4,
    lr: 0.5,
    optimizer: { kind: "sgd", momentum: 0.9 },
    clip: 1,
    epochs: 100,
    valEvery: 5,
    valSteps: 16,
    checkpointEvery: 7,
    keepLast: 2,
    logEvery: 1,
    sampleEvery: 10,
    sampleLength: 20,
    seed: 7,
    ...over,
  };
}

/**
 * A fake engine holding a finished run's weights (`params`, e.g. `TrainResult.params`), built from
 * the model config of the run's checkpoint at `step` in `outDir`: it scores held-out ids as the run did.
 */
export function runEngine(outDir: string, step: number, params: NamedTensors): TrainingEngine {
  const { config } = readCheckpoint(join(outDir, CHECKPOINT_DIR, checkpointFileName(step)));
  return createFakeEngine({ config, params, optimizer: { kind: "sgd" } });
}

export function expectSameBits(a: NamedTensors, b: NamedTensors): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [name, t] of a) {
    const u = b.get(name)!;
    expect(
      Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength).equals(
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      ),
      name,
    ).toBe(true);
  }
}

/** Trains `total` steps in one go, and again interrupted after `stopAt` then resumed; both must agree. */
export async function resumeMatches(over: Partial<TrainOptions>, total: number, stopAt: number) {
  const straightEvents: TrainEvent[] = [];
  const straight = await train(
    options(fresh(), { ...over, maxSteps: total, onEvent: (e) => straightEvents.push(e) }),
  );
  expect(straight.stopReason).toBe("max-steps");

  const out = fresh();
  const controller = new AbortController();
  const first = await train(
    options(out, {
      ...over,
      maxSteps: total,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "progress" && e.step === stopAt) controller.abort();
      },
    }),
  );
  expect(first.stopReason).toBe("interrupted");
  expect(first.step).toBe(stopAt);
  const resumedEvents: TrainEvent[] = [];
  const resumed = await train(
    options(out, { ...over, maxSteps: total, resume: true, onEvent: (e) => resumedEvents.push(e) }),
  );
  expect(resumed.stopReason).toBe("max-steps");
  expect(resumed.step).toBe(total);
  expectSameBits(resumed.params, straight.params);
  expect(resumed.bestValLoss).toBe(straight.bestValLoss);
  // Samples after the resume point draw the same text (the RNG state was restored).
  const samples = (events: TrainEvent[]) =>
    events.filter((e) => e.type === "sample" && e.step > stopAt).map((e) => (e as { text: string }).text);
  expect(samples(resumedEvents)).toEqual(samples(straightEvents));
  expect(samples(straightEvents).length).toBeGreaterThan(0);
  return { straight, resumed, out };
}
