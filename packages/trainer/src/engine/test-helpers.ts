// Shared by the engine tests only (not exported from the package).
import { readFileSync } from "node:fs";
import { createRng } from "@charrnn/core";
import {
  type CellType,
  expectedShapes,
  initParams,
  type ModelConfig,
  type NamedTensors,
  type RnnState,
  zeroState,
} from "@charrnn/models";
import type { TrainBatch } from "./types";

type Nested = number | Nested[];

export function flatten(value: Nested): Float32Array {
  const out: number[] = [];
  const walk = (v: Nested): void => {
    if (typeof v === "number") out.push(v);
    else for (const x of v) walk(x);
  };
  walk(value);
  return Float32Array.from(out);
}

export interface TorchCase {
  config: ModelConfig;
  params: NamedTensors;
  batch: TrainBatch;
  state: RnnState;
  loss: number;
  logits: Float32Array;
  finalH: Float32Array;
  finalC?: Float32Array;
  grads: Map<string, Float32Array>;
}

const TORCH_NAMES: Record<string, string> = { emb: "embedding", out: "output", rnn: "rnn" };

function ours(name: string): string {
  const dot = name.indexOf(".");
  return `${TORCH_NAMES[name.slice(0, dot)]}${name.slice(dot)}`;
}

/** One cell's case of test-fixtures/torch/torch_parity.json, renamed to our parameter names. */
export function loadTorchCase(cell: CellType): TorchCase {
  const url = new URL("../../../../test-fixtures/torch/torch_parity.json", import.meta.url);
  const fixture = JSON.parse(readFileSync(url, "utf8"));
  const c = fixture[cell];
  const config: ModelConfig = {
    cell,
    layers: c.layers,
    hidden: c.hidden,
    vocabSize: c.vocab,
    input: "embedding",
    embed: c.embed,
    dropout: 0,
    init: { kind: "pytorch" },
    forgetBias: 0,
  };
  const shapes = expectedShapes(config);
  const params: NamedTensors = new Map();
  for (const [name, value] of Object.entries(c.params)) {
    const n = ours(name);
    params.set(n, { shape: shapes.get(n)!, data: flatten(value as Nested) });
  }
  const grads = new Map<string, Float32Array>();
  for (const [name, value] of Object.entries(c.grads)) grads.set(ours(name), flatten(value as Nested));
  const x = Int32Array.from(flatten(c.x));
  const batch = c.x.length as number;
  const state = zeroState(config, batch);
  return {
    config,
    params,
    batch: { x, y: Int32Array.from(flatten(c.y)), batch, steps: x.length / batch },
    state,
    loss: c.loss,
    logits: flatten(c.logits),
    finalH: flatten(c.final_state.h),
    finalC: c.final_state.c === undefined ? undefined : flatten(c.final_state.c),
    grads,
  };
}

/** Largest |a − b| / max(|b|, floor) over all elements. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), floor);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

export function tinyConfig(cell: CellType, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    cell,
    layers: 2,
    hidden: 9,
    vocabSize: 13,
    input: "embedding",
    embed: 6,
    dropout: 0,
    init: { kind: "uniform", scale: 0.3 },
    forgetBias: 0,
    ...overrides,
  };
}

/** Uniform ±scale parameters drawn from `seed`. */
export function randomParams(config: ModelConfig, seed: number, scale = 0.3): NamedTensors {
  return initParams({ ...config, init: { kind: "uniform", scale }, forgetBias: 0 }, createRng(seed));
}

export function randomBatch(vocab: number, batch: number, steps: number, seed: number): TrainBatch {
  const rng = createRng(seed);
  const x = new Int32Array(batch * steps);
  const y = new Int32Array(batch * steps);
  for (let i = 0; i < x.length; i++) {
    x[i] = rng.nextInt(vocab);
    y[i] = rng.nextInt(vocab);
  }
  return { x, y, batch, steps };
}

export function cloneParams(params: NamedTensors): NamedTensors {
  const out: NamedTensors = new Map();
  for (const [name, t] of params) out.set(name, { shape: [...t.shape], data: t.data.slice() });
  return out;
}

/** A state of `batch` streams drawn uniformly from [−0.5, 0.5): `h` first, then `c` for an LSTM. */
export function randomState(config: ModelConfig, batch: number, seed: number): RnnState {
  const rng = createRng(seed);
  const n = config.layers * batch * config.hidden;
  const draw = (): Float32Array => Float32Array.from({ length: n }, () => rng.next() - 0.5);
  const state: RnnState = { layers: config.layers, batch, hidden: config.hidden, h: draw() };
  if (config.cell === "lstm") state.c = draw();
  return state;
}

/** `randomBatch` with a mask of zeros, halves and ones, so masked-loss paths are exercised. */
export function maskedBatch(vocab: number, batch: number, steps: number, seed: number): TrainBatch {
  const mask = Float32Array.from({ length: batch * steps }, (_, i) =>
    i % 5 === 1 ? 0 : i % 7 === 3 ? 0.5 : 1,
  );
  return { ...randomBatch(vocab, batch, steps, seed), mask };
}
