import { DataType } from "@charrnn/onnx/graph";
import type { GraphBuilder } from "./graph-builder";
import { type GraphKind, IO } from "./io-names";

/** What {@link softmaxHead} projects and scores. */
export interface SoftmaxHeadSpec {
  /** Rows to project `[rows, in]`. */
  input: string;
  /** Projection parameter names: weight `[classes, in]`, bias `[classes]`. */
  weight: string;
  bias: string;
  /** int64 targets `[rows]`. */
  targets: string;
  /** Per-row loss weights `[rows]` (0 masks a row out). */
  weights: string;
  rows: number;
  classes: number;
  /** Whether the graph outputs the logits `[rows, classes]`. */
  emitLogits: boolean;
}

/**
 * The output layer both heads share: logits = input·Wᵀ + b, the weighted mean softmax
 * cross-entropy (outputs `loss`, or `loss_sum`/`count` for `eval`), and its backward: the weight and
 * bias gradients go into `grads`, and d loss / d input `[rows, in]` is returned (`undefined` for
 * `eval`, which has no backward). A fully masked batch has loss 0 and zero gradients, as the
 * reference's.
 */
export function softmaxHead(
  g: GraphBuilder,
  spec: SoftmaxHeadSpec,
  kind: GraphKind,
  grads: Map<string, string>,
): string | undefined {
  const F = DataType.FLOAT;
  const { input, weight, bias, targets, weights, rows, classes } = spec;
  const logits = g.op("Gemm", [input, weight, bias], { transB: 1 });
  if (spec.emitLogits) g.output(IO.logits, logits, F, [rows, classes]);
  const logp = g.op("LogSoftmax", [logits], { axis: 1 });
  const picked = g.op("GatherElements", [logp, g.op("Unsqueeze", [targets, g.ints([1])])], { axis: 1 });
  const nll = g.op("Reshape", [picked, g.ints([rows])]);
  const lossSum = g.op("Neg", [g.op("ReduceSum", [g.op("Mul", [nll, weights])], { keepdims: 0 })]);
  const count = g.op("ReduceSum", [weights], { keepdims: 0 });
  if (kind === "eval") {
    g.output(IO.lossSum, lossSum, F, []);
    g.output(IO.count, count, F, []);
    return undefined;
  }
  const denom = g.op("Max", [count, g.scalar(1e-30)]);
  g.output(IO.loss, g.op("Div", [lossSum, denom]), F, []);
  const scale = g.op("Unsqueeze", [g.op("Div", [weights, denom]), g.ints([1])]);
  const oneHot = g.op("OneHot", [targets, g.int(classes), g.floats([2], [0, 1])]);
  const dlogits = g.op("Mul", [g.op("Sub", [g.op("Exp", [logp]), oneHot]), scale]);
  grads.set(weight, g.op("Gemm", [dlogits, input], { transA: 1 }));
  grads.set(bias, g.op("ReduceSum", [dlogits, g.ints([0])], { keepdims: 0 }));
  return g.op("MatMul", [dlogits, weight]);
}
