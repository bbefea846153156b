import {
  CLASSIFIER_BIAS,
  CLASSIFIER_WEIGHT,
  type ModelConfig,
  type NamedTensors,
  transpose,
} from "@charrnn/models";
import type { onnx } from "onnx-proto";
import { floatInitializer, int64Initializer, node } from "./proto";

/**
 * The classifier head of an exported classifier: pools the recurrent stack's outputs per row and
 * projects onto the labels, writing the graph output `logits` `[batch, labels]`.
 * - `last`: the top layer's `Y_h`, which with `sequence_lens` is the state at the row's true length.
 * - `mean`: Σ over steps t < length of `Y[t]`, divided by the length (an explicit mask, so whatever a
 *   runtime writes past `sequence_lens` does not matter).
 * `lengths` is the int64 `[batch]` input, `top` the top layer's `[seq, batch, hidden]` outputs,
 * `lastH` its `Y_h` `[1, batch, hidden]`.
 */
export function buildClassifierHead(
  config: ModelConfig,
  params: NamedTensors,
  nodes: onnx.INodeProto[],
  inits: onnx.ITensorProto[],
  io: { lengths: string; top: string; lastH: string },
): void {
  if (config.head?.kind !== "classifier") return;
  const { hidden: H } = config;
  const L = config.head.labels.length;
  inits.push(int64Initializer("cls.axes0", [1], [0]));
  let pooled: string;
  if (config.head.pooling === "last") {
    nodes.push(node("Squeeze", [io.lastH, "cls.axes0"], ["cls.pooled"], "cls.last"));
    pooled = "cls.pooled";
  } else {
    inits.push(
      int64Initializer("cls.zero", [], [0]),
      int64Initializer("cls.one", [], [1]),
      int64Initializer("cls.index1", [], [1]),
      int64Initializer("cls.axes1", [1], [1]),
      int64Initializer("cls.axesLast", [1], [-1]),
    );
    nodes.push(
      node("Shape", [io.top], ["cls.shape"], "cls.shape"),
      node("Gather", ["cls.shape", "cls.zero"], ["cls.seq"], "cls.seq", { axis: 0 }),
      node("Range", ["cls.zero", "cls.seq", "cls.one"], ["cls.steps"], "cls.range"),
      node("Unsqueeze", ["cls.steps", "cls.axes1"], ["cls.steps_col"], "cls.steps_col"),
      node("Unsqueeze", [io.lengths, "cls.axes0"], ["cls.len_row"], "cls.len_row"),
      // [seq, batch]: 1 where t < length
      node("Less", ["cls.steps_col", "cls.len_row"], ["cls.real"], "cls.less"),
      node("Cast", ["cls.real"], ["cls.maskf"], "cls.mask_float", { to: 1 }),
      node("Unsqueeze", ["cls.maskf", "cls.axesLast"], ["cls.mask3"], "cls.mask3"),
      node("Mul", [io.top, "cls.mask3"], ["cls.masked"], "cls.masked"),
      node("ReduceSum", ["cls.masked", "cls.axes0"], ["cls.sum"], "cls.sum", { keepdims: 0 }),
      node("Cast", [io.lengths], ["cls.lenf"], "cls.len_float", { to: 1 }),
      node("Unsqueeze", ["cls.lenf", "cls.axes1"], ["cls.len_col"], "cls.len_col"),
      node("Div", ["cls.sum", "cls.len_col"], ["cls.pooled"], "cls.mean"),
    );
    pooled = "cls.pooled";
  }
  const w = params.get(CLASSIFIER_WEIGHT)!;
  inits.push(floatInitializer("classifier.weight_t", [H, L], transpose(w.data, L, H)));
  inits.push(floatInitializer(CLASSIFIER_BIAS, [L], params.get(CLASSIFIER_BIAS)!.data));
  nodes.push(
    node("MatMul", [pooled, "classifier.weight_t"], ["cls.scores"], "classifier.matmul"),
    node("Add", ["cls.scores", CLASSIFIER_BIAS], ["logits"], "classifier.bias_add"),
  );
}
