import { CharrnnRangeError } from "@charrnn/core";
import { checkTrainableGates, type ModelConfig } from "../config";
import type { NamedTensors, RnnState } from "../tensor";
import { backward } from "./backward";
import { dropoutMasks } from "./dropout";
import { finalState, forwardCached } from "./forward";
import { softmaxCrossEntropy } from "./loss";
import { checkLanguageModel, checkState, checkTokens, toNamedTensors, toWeights } from "./weights";

/** One training window: `x`, `y` `[batch, steps]` row-major, optional per-position weights. */
export interface ReferenceBatch {
  x: Int32Array;
  y: Int32Array;
  batch: number;
  steps: number;
  /** `[batch, steps]`; 0 masks a position out of the loss. */
  mask?: Float32Array;
}

/** Options of `referenceLossAndGrads`. */
export interface ReferenceGradOptions {
  /**
   * Truncated BPTT: each loss term backpropagates through at most this many recurrent steps.
   * @defaultValue all steps of the window
   */
  truncate?: number;
  /**
   * Inverted dropout between layers and before the projection (`rate`, masks from `createRng(seed)`)
   * and on the embedded inputs (`inputRate`, see `inputDropoutMask`).
   */
  dropout?: { rate: number; seed: number; inputRate?: number };
}

/** Result of `referenceLossAndGrads`. */
export interface ReferenceGradResult {
  /** Mean cross-entropy over the unmasked positions (nats per token). */
  loss: number;
  /** `[B, T, V]`. */
  logits: Float32Array;
  /** State after the window. */
  state: RnnState;
  /** d loss / d param, same names and shapes as the params. */
  grads: NamedTensors;
}

/** Forward + hand-written BPTT in float64: the gradient oracle the training engines are tested against. */
export function referenceLossAndGrads(
  config: ModelConfig,
  params: NamedTensors,
  batch: ReferenceBatch,
  state?: RnnState,
  options: ReferenceGradOptions = {},
): ReferenceGradResult {
  const { x, y, batch: B, steps: T, mask } = batch;
  checkLanguageModel(config);
  checkTrainableGates(config, "the reference gradients");
  checkTokens("x", x, B, T, config.vocabSize);
  checkTokens("y", y, B, T, config.vocabSize);
  if (mask !== undefined && mask.length !== B * T) {
    throw new CharrnnRangeError("mask.length", `batch*steps (${B * T})`, mask.length);
  }
  if (state !== undefined) checkState(config, state, B);
  const truncate = options.truncate ?? T;
  if (!Number.isInteger(truncate) || truncate < 0)
    throw new CharrnnRangeError("truncate", "an integer ≥ 0", truncate);
  const d = options.dropout;
  const masks = d && dropoutMasks(config, B, T, d.rate, d.seed, d.inputRate);

  const w = toWeights(config, params);
  const cache = forwardCached(config, w, x, B, T, state, masks);
  const ce = softmaxCrossEntropy(cache.logits, y, config.vocabSize, mask);
  const grads = backward(config, w, cache, ce.dlogits, truncate);
  return {
    loss: ce.loss,
    logits: Float32Array.from(cache.logits),
    state: finalState(config, cache),
    grads: toNamedTensors(config, grads),
  };
}
