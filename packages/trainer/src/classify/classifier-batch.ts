import { CharrnnError } from "@charrnn/core";
import {
  type ClassifierBatch,
  checkTrainableGates,
  classifierHead,
  type ModelConfig,
  type NamedTensors,
  validateConfig,
  validateParams,
} from "@charrnn/models";
import type { TrainBatch } from "../engine/types";
import { checkEngineInputs } from "../engine/window";

/** What {@link toClassifierTrainBatch} reads: a padded batch (as `createPaddedBatches` serves). */
export interface PaddedLabelledBatch {
  x: Int32Array;
  lengths: Int32Array;
  labels: Int32Array;
  batch: number;
  steps: number;
}

/** True when `config` has a classifier head. */
export function isClassifier(config: ModelConfig): boolean {
  return config.head?.kind === "classifier";
}

/**
 * A padded batch in the `TrainBatch` form the engines take for a classifier: `y` holds the row's
 * label at every position, `mask` the row's loss weight (its class weight, or 1) over its real
 * tokens and 0 over padding, so the length of a row is its count of non-zero mask entries.
 */
export function toClassifierTrainBatch(padded: PaddedLabelledBatch, classWeights?: Float32Array): TrainBatch {
  const { batch: B, steps: T } = padded;
  const y = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const label = padded.labels[b]!;
    const w = classWeights === undefined ? 1 : classWeights[label]!;
    y.fill(label, b * T, (b + 1) * T);
    mask.fill(w, b * T, b * T + padded.lengths[b]!);
  }
  return { x: padded.x, y, mask, batch: B, steps: T };
}

/**
 * Reads a classifier `TrainBatch` (see {@link toClassifierTrainBatch}) back into lengths, labels and
 * weights, checking the ids, the labels and that each row's mask is a non-empty prefix.
 */
export function readClassifierBatch(config: ModelConfig, batch: TrainBatch): ClassifierBatch {
  const { labels: names } = classifierHead(config);
  const { batch: B, steps: T, x, y, mask } = batch;
  const n = B * T;
  if (!(B >= 1 && T >= 1) || x.length !== n || y.length !== n || (mask !== undefined && mask.length !== n)) {
    throw new CharrnnError(
      "BATCH_SHAPE_MISMATCH",
      `classifier batch x/y/mask must hold batch·steps = ${n} values, got ${x.length}, ${y.length} and ${mask?.length ?? "no mask"}`,
    );
  }
  const V = config.vocabSize;
  for (let i = 0; i < n; i++) {
    const id = x[i]!;
    if (!(id >= 0 && id < V)) {
      throw new CharrnnError(
        "VOCAB_ID_RANGE",
        `token id ${id} at position ${i} is outside the vocabulary [0, ${V}); the data and the model use different vocabularies`,
      );
    }
  }
  const lengths = new Int32Array(B);
  const labels = new Int32Array(B);
  const weights = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    let len = T;
    if (mask !== undefined) {
      len = 0;
      while (len < T && mask[b * T + len]! > 0) len++;
      for (let t = len; t < T; t++) {
        if (mask[b * T + t]! !== 0) {
          throw new CharrnnError(
            "BATCH_SHAPE_MISMATCH",
            `classifier batch row ${b}: the mask must be positive over a prefix (the real tokens) and 0 after it`,
          );
        }
      }
      if (len === 0) throw new CharrnnError("BATCH_SHAPE_MISMATCH", `classifier batch row ${b} is empty`);
    }
    const label = y[b * T]!;
    if (!(label >= 0 && label < names.length)) {
      throw new CharrnnError(
        "LABEL_RANGE",
        `label id ${label} of row ${b} is outside the model's ${names.length} labels; the data and the model use different label sets`,
      );
    }
    lengths[b] = len;
    labels[b] = label;
    weights[b] = mask === undefined ? 1 : mask[b * T]!;
  }
  return { x, lengths, labels, weights, batch: B, steps: T };
}

/**
 * `checkEngineInputs` for the engines that train classifiers too (ort, reference): a classifier
 * config and its parameters are validated; a language model goes through the usual check.
 */
export function checkAnyHeadEngineInputs(config: ModelConfig, params: NamedTensors): void {
  if (!isClassifier(config)) {
    checkEngineInputs(config, params);
    return;
  }
  validateConfig(config);
  checkTrainableGates(config);
  validateParams(config, params);
}
