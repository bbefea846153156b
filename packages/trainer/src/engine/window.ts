import { CharrnnError } from "@charrnn/core";
import {
  checkTrainableGates,
  type ModelConfig,
  type NamedTensors,
  type RnnState,
  validateConfig,
  validateParams,
} from "@charrnn/models";
import type { TrainBatch } from "./types";

/** Checks the config and parameters an engine is created with; engines train language models only. */
export function checkEngineInputs(config: ModelConfig, params: NamedTensors): void {
  validateConfig(config);
  checkTrainableGates(config);
  if (config.head !== undefined && config.head.kind !== "lm") {
    throw new CharrnnError(
      "ENGINE_UNSUPPORTED",
      `the training engines train language models; config.head.kind "${config.head.kind}" is not supported`,
    );
  }
  validateParams(config, params);
}

/** Checks that a batch's arrays match its `[batch, steps]` and that its ids are inside the vocabulary. */
export function checkBatch(config: ModelConfig, batch: TrainBatch): void {
  const n = batch.batch * batch.steps;
  if (!(batch.batch >= 1 && batch.steps >= 1) || batch.x.length !== n || batch.y.length !== n) {
    throw new CharrnnError(
      "BATCH_SHAPE_MISMATCH",
      `batch x/y must hold batch·steps = ${n} ids, got ${batch.x.length} and ${batch.y.length}`,
    );
  }
  if (batch.mask !== undefined && batch.mask.length !== n) {
    throw new CharrnnError(
      "BATCH_SHAPE_MISMATCH",
      `batch mask must hold ${n} weights, got ${batch.mask.length}`,
    );
  }
  const v = config.vocabSize;
  for (let i = 0; i < n; i++) {
    const x = batch.x[i]!;
    const y = batch.y[i]!;
    if (!(x >= 0 && x < v && y >= 0 && y < v)) {
      throw new CharrnnError(
        "VOCAB_ID_RANGE",
        `token id ${x >= 0 && x < v ? y : x} at position ${i} is outside the vocabulary [0, ${v}); the data and the model use different vocabularies`,
      );
    }
  }
}

/** Checks that `state` fits `config` and a batch of `batch` rows (LSTM needs `c`). */
export function checkState(config: ModelConfig, state: RnnState, batch: number): void {
  const n = config.layers * batch * config.hidden;
  const ok =
    state.layers === config.layers &&
    state.batch === batch &&
    state.hidden === config.hidden &&
    state.h.length === n &&
    (config.cell !== "lstm" || state.c?.length === n);
  if (!ok) {
    throw new CharrnnError(
      "STATE_SHAPE_MISMATCH",
      `state must be [layers=${config.layers}, batch=${batch}, hidden=${config.hidden}]${config.cell === "lstm" ? " with c" : ""}, got [${state.layers}, ${state.batch}, ${state.hidden}]; reset the state when the batch size changes`,
    );
  }
}

/** Batch-major `[batch, steps]` → time-major `[steps, batch]` (position t·batch + b). */
export function toTimeMajor<T extends Int32Array | Float32Array>(data: T, batch: number, steps: number): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) out[t * batch + b] = data[b * steps + t]!;
  }
  return out;
}

/**
 * Time-major rows `[steps·batch, width]` (an engine's logits) → batch-major `[batch, steps, width]`,
 * the layout `TrainingEngine.forward` returns.
 */
export function toBatchMajor(data: Float32Array, batch: number, steps: number): Float32Array {
  const width = data.length / (batch * steps);
  const out = new Float32Array(data.length);
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) {
      const from = (t * batch + b) * width;
      out.set(data.subarray(from, from + width), (b * steps + t) * width);
    }
  }
  return out;
}
