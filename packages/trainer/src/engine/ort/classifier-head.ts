import { CLASSIFIER_BIAS, CLASSIFIER_WEIGHT, type ModelConfig } from "@charrnn/models";
import { DataType } from "@charrnn/onnx/graph";
import type { GraphBuilder } from "./graph-builder";
import { type GraphKind, IO } from "./io-names";
import { softmaxHead } from "./softmax-head";

/** The classifier graph's extra inputs (value names). */
export interface ClassifierInputs {
  /** int64 `[B]`. */
  labels: string;
  /** Pooling weights `[T, B, 1]`: the pooled vector of row b is Σ_t pool[t,b]·top[t,b]. */
  pool: string;
  /** Per-example loss weights `[B]`. */
  weights: string;
}

/** Declares the inputs a classifier graph takes in place of `y` and `mask`. */
export function classifierInputs(g: GraphBuilder, batch: number, steps: number): ClassifierInputs {
  const F = DataType.FLOAT;
  const labels = g.op("Cast", [g.input(IO.labels, DataType.INT32, [batch])], { to: DataType.INT64 });
  const pool = g.op("Reshape", [g.input(IO.pool, F, [steps * batch]), g.ints([steps, batch, 1])]);
  return { labels, pool, weights: g.input(IO.weights, F, [batch]) };
}

/**
 * The classifier head on the top layer's outputs `top` `[T·B, H]`: pooling (a weighted sum over
 * time whose weights the engine feeds, so `last` and `mean` are the same graph), the label
 * projection, the weighted mean softmax cross-entropy, and its backward. The gradient reaching the
 * recurrence is `pool[t,b]·dPooled[b]`: non-zero only at the pooled positions. Returns d loss / d
 * top `[T·B, H]`, or `undefined` for `eval` (which outputs `loss_sum`, `count` and `logits`).
 */
export function classifierHead(
  g: GraphBuilder,
  config: ModelConfig,
  inputs: ClassifierInputs,
  top: string,
  batch: number,
  steps: number,
  kind: GraphKind,
  grads: Map<string, string>,
): string | undefined {
  const H = config.hidden;
  const L = config.head?.kind === "classifier" ? config.head.labels.length : 0;
  const { labels, pool, weights } = inputs;
  const topTbh = g.op("Reshape", [top, g.ints([steps, batch, H])]);
  const pooled = g.op("ReduceSum", [g.op("Mul", [topTbh, pool]), g.ints([0])], { keepdims: 0 });
  const spec = { input: pooled, weight: CLASSIFIER_WEIGHT, bias: CLASSIFIER_BIAS, targets: labels, weights };
  const dPooledRows = softmaxHead(
    g,
    { ...spec, rows: batch, classes: L, emitLogits: kind !== "train" },
    kind,
    grads,
  );
  if (dPooledRows === undefined) return undefined;
  const dPooled = g.op("Unsqueeze", [dPooledRows, g.ints([0])]);
  return g.op("Reshape", [g.op("Mul", [dPooled, pool]), g.ints([steps * batch, H])]);
}
