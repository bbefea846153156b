import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import { checkTrainableGates, type ModelConfig } from "../config";
import type { NamedTensors } from "../tensor";
import { classifierLabels } from "../weight-layout";
import { backwardFromTop } from "./backward";
import { dropoutMasks } from "./dropout";
import { forwardCached } from "./forward";
import { softmaxCrossEntropy } from "./loss";
import { checkTokens, toNamedTensors, toWeights, zerosLike } from "./weights";

/** How a classifier turns the top layer's states into one vector per sequence. */
export type Pooling = "last" | "mean";

/** A batch of padded, labelled sequences for a classifier. */
export interface ClassifierBatch {
  /** `[batch, steps]` row-major token ids; positions past a row's length are padding (any valid id). */
  x: Int32Array;
  /** `[batch]` true lengths, each in `[1, steps]`. */
  lengths: Int32Array;
  /** `[batch]` label ids in `[0, labels)`. */
  labels: Int32Array;
  batch: number;
  steps: number;
  /** `[batch]` per-example loss weights (class weights); 1 when absent. */
  weights?: Float32Array;
}

/** Result of {@link referenceClassifierForward}. */
export interface ClassifierForwardResult {
  /** `[batch, labels]` label scores. */
  logits: Float32Array;
  /** `[batch, hidden]` the pooled top-layer state the head reads. */
  pooled: Float32Array;
}

/** Result of {@link referenceClassifierLossAndGrads}. */
export interface ClassifierGradResult {
  /** Σ weight·CE / Σ weight over the examples (nats). */
  loss: number;
  lossSum: number;
  weightSum: number;
  /** `[batch, labels]`. */
  logits: Float32Array;
  /** d loss / d param, named and shaped like the params. */
  grads: NamedTensors;
}

/**
 * Writes the pooling weights `p[t·batch + b]` (time-major) such that the pooled vector of row b is
 * `Σ_t p[t,b]·h_top[t,b]`: `last` puts 1 at the row's last real step, `mean` puts 1/length on each
 * real step. Padding always gets 0, so gradient enters the recurrence only at pooled positions.
 */
export function fillPoolingWeights(
  out: Float32Array | Float64Array,
  pooling: Pooling,
  lengths: Int32Array,
  batch: number,
  steps: number,
): void {
  if (out.length !== batch * steps)
    throw new CharrnnRangeError("pooling weights length", `batch·steps (${batch * steps})`, out.length);
  out.fill(0);
  for (let b = 0; b < batch; b++) {
    const n = lengths[b]!;
    if (pooling === "last") {
      out[(n - 1) * batch + b] = 1;
    } else {
      const inv = 1 / n;
      for (let t = 0; t < n; t++) out[t * batch + b] = inv;
    }
  }
}

/** Labels and pooling of a classifier config; throws `MODEL_HEAD_MISMATCH` for a language model. */
export function classifierHead(config: ModelConfig): { labels: readonly string[]; pooling: Pooling } {
  const labels = classifierLabels(config);
  if (labels === undefined || config.head?.kind !== "classifier") {
    throw new CharrnnError(
      "MODEL_HEAD_MISMATCH",
      "this model is a language model, not a classifier; train one with `charrnn classify train`",
    );
  }
  return { labels, pooling: config.head.pooling };
}

/**
 * Classifier forward in float64: the recurrence over the padded tokens, the top layer's states
 * pooled per row (`last`: the state at the row's true length; `mean`: the mean over its real steps),
 * then `classifier.weight · pooled + classifier.bias`. Rows are independent and start from zeros.
 */
export function referenceClassifierForward(
  config: ModelConfig,
  params: NamedTensors,
  tokens: Int32Array,
  lengths: Int32Array,
  batch: number,
  steps: number,
): ClassifierForwardResult {
  classifierHead(config);
  checkTokens("tokens", tokens, batch, steps, config.vocabSize);
  checkLengths(lengths, batch, steps);
  const out = classify(config, params, tokens, lengths, batch, steps, undefined);
  return { logits: Float32Array.from(out.logits), pooled: Float32Array.from(out.pooled) };
}

/**
 * Weighted mean softmax cross-entropy of a classifier over a padded batch, and its gradient by
 * hand-written BPTT (the head's gradient enters the top layer only at the pooled positions).
 * `dropout` applies the same inverted masks as `referenceLossAndGrads` (between layers and on the
 * top layer's output before pooling).
 */
export function referenceClassifierLossAndGrads(
  config: ModelConfig,
  params: NamedTensors,
  batch: ClassifierBatch,
  options: { dropout?: { rate: number; seed: number } } = {},
): ClassifierGradResult {
  const { labels } = classifierHead(config);
  checkTrainableGates(config, "the reference gradients");
  const { x, lengths, batch: B, steps: T, weights } = batch;
  checkTokens("x", x, B, T, config.vocabSize);
  checkLengths(lengths, B, T);
  checkTokens("labels", batch.labels, B, 1, labels.length);
  if (weights !== undefined && weights.length !== B)
    throw new CharrnnRangeError("weights.length", `batch (${B})`, weights.length);
  const masks = options.dropout && dropoutMasks(config, B, T, options.dropout.rate, options.dropout.seed);
  const out = classify(config, params, x, lengths, B, T, masks);
  const L = labels.length;
  const H = config.hidden;
  const ce = softmaxCrossEntropy(out.logits, batch.labels, L, weights);

  const grads = zerosLike(out.w);
  const dPooled = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    for (let v = 0; v < L; v++) {
      const d = ce.dlogits[b * L + v]!;
      if (d === 0) continue;
      grads.outB[v] = grads.outB[v]! + d;
      for (let k = 0; k < H; k++) {
        grads.outW[v * H + k] = grads.outW[v * H + k]! + d * out.pooled[b * H + k]!;
        dPooled[b * H + k] = dPooled[b * H + k]! + d * out.w.outW[v * H + k]!;
      }
    }
  }
  const dTop = new Float64Array(T * B * H);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const p = out.pool[t * B + b]!;
      if (p === 0) continue;
      for (let k = 0; k < H; k++) dTop[(t * B + b) * H + k] = p * dPooled[b * H + k]!;
    }
  }
  backwardFromTop(config, out.w, out.cache, dTop, grads, T);
  return {
    loss: ce.loss,
    lossSum: ce.lossSum,
    weightSum: ce.weightSum,
    logits: Float32Array.from(out.logits),
    grads: toNamedTensors(config, grads),
  };
}

function classify(
  config: ModelConfig,
  params: NamedTensors,
  tokens: Int32Array,
  lengths: Int32Array,
  B: number,
  T: number,
  masks: ReturnType<typeof dropoutMasks> | undefined,
) {
  const w = toWeights(config, params);
  const { pooling, labels } = classifierHead(config);
  const L = labels.length;
  const H = config.hidden;
  const cache = forwardCached(config, w, tokens, B, T, undefined, masks);
  const pool = new Float64Array(T * B);
  fillPoolingWeights(pool, pooling, lengths, B, T);
  const pooled = new Float64Array(B * H);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const p = pool[t * B + b]!;
      if (p === 0) continue;
      const o = (t * B + b) * H;
      for (let k = 0; k < H; k++) pooled[b * H + k] = pooled[b * H + k]! + p * cache.top[o + k]!;
    }
  }
  const logits = new Float64Array(B * L);
  for (let b = 0; b < B; b++) {
    for (let v = 0; v < L; v++) {
      let s = w.outB[v]!;
      for (let k = 0; k < H; k++) s += w.outW[v * H + k]! * pooled[b * H + k]!;
      logits[b * L + v] = s;
    }
  }
  return { w, cache, pool, pooled, logits };
}

function checkLengths(lengths: Int32Array, batch: number, steps: number): void {
  if (lengths.length !== batch) {
    throw new CharrnnError("FORWARD_SHAPE", `lengths has ${lengths.length} entries but batch is ${batch}`);
  }
  for (let b = 0; b < batch; b++) {
    const n = lengths[b]!;
    if (!(Number.isInteger(n) && n >= 1 && n <= steps))
      throw new CharrnnRangeError(`lengths[${b}]`, `an integer in [1, ${steps}]`, n);
  }
}
