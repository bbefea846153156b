import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import {
  checkWeightDtype,
  gateActivation,
  HARD_SIGMOID_ALPHA,
  HARD_SIGMOID_BETA,
  type ModelConfig,
  type NamedTensors,
  toOnnxLayer,
  transpose,
  validateConfig,
  validateParams,
  type WeightDtype,
} from "@charrnn/models";
import { Vocab, type VocabJSON } from "@charrnn/vocab";
import type { onnx } from "onnx-proto";
import { buildClassifierHead } from "./export-classifier";
import { METADATA_KEYS, ONNX_FORMAT } from "./metadata";
import { encodeWithDigest } from "./onnx-digest";
import { type AttributeValue, DataType, floatInitializer, int64Initializer, node, valueInfo } from "./proto";
import { addWeight } from "./weight-initializer";

/** What `exportOnnx` writes: a model in the layout of `@charrnn/models`, and its vocabulary. */
export interface ExportableModel {
  config: ModelConfig;
  vocab: VocabJSON;
  params: NamedTensors;
}

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /**
   * Default-domain opset. 14 is the lowest with today's `RNN`/`GRU`/`LSTM` definitions and `Squeeze`
   * taking axes as an input, so the widest range of runtimes loads it; every opset up to
   * {@link MAX_OPSET} gives the same graph (onnxruntime and the ONNX checker accept them all).
   * @defaultValue 14
   */
  opset?: number;
  /** @defaultValue "charrnn" */
  producerName?: string;
  /** Written to `producer_version` when given. */
  producerVersion?: string;
  /** Written to the model's `doc_string` when given. */
  docString?: string;
  /**
   * Precision of the stored weight matrices (biases stay float32): `f16`/`bf16` initializers feed a
   * `Cast` to float, `int8` ones (per-row scales) a `DequantizeLinear`; the recurrent ops see float32.
   * @defaultValue "f32"
   */
  dtype?: WeightDtype;
}

/** Lowest and highest opsets `exportOnnx` writes. */
export const MIN_OPSET = 14;
export const MAX_OPSET = 21;

// The IR version each opset was released with (onnx/docs/Versioning.md): the checker rejects an
// opset newer than the file's IR version, and older runtimes reject a newer IR than they know.
const IR_FOR_OPSET: Readonly<Record<number, number>> = {
  14: 7,
  15: 8,
  16: 8,
  17: 8,
  18: 8,
  19: 9,
  20: 9,
  21: 10,
};

/**
 * Writes a model as a standard ONNX file: `Gather` (embedding) or `OneHot` → one `RNN` (Tanh) / `GRU`
 * (`linear_before_reset=1`) / `LSTM` operator per layer (weights in ONNX gate order) → `MatMul` + `Add`.
 * Inputs `tokens` int64 `[batch, seq]`, `h0` (and `c0` for LSTM) float `[layers, batch, hidden]`;
 * outputs `logits` `[batch, seq, vocab]`, `h` (and `c`). The config, vocabulary and its hash go in
 * `metadata_props`, so the file alone is enough to sample.
 * @example
 * await writeFile("model.onnx", exportOnnx({ config, vocab: vocab.toJSON(), params }));
 */
export function exportOnnx(model: ExportableModel, options: ExportOnnxOptions = {}): Uint8Array {
  const opset = options.opset ?? MIN_OPSET;
  const irVersion = IR_FOR_OPSET[opset];
  if (irVersion === undefined)
    throw new CharrnnRangeError("opset", `an integer in [${MIN_OPSET}, ${MAX_OPSET}]`, opset);
  const dtype = checkWeightDtype(options.dtype ?? "f32");
  const config = validateConfig(model.config);
  validateParams(config, model.params);
  const vocab = Vocab.fromJSON(model.vocab);
  if (vocab.size !== config.vocabSize) {
    throw new CharrnnError(
      "MODEL_SHAPE_MISMATCH",
      `the vocabulary has ${vocab.size} tokens but config.vocabSize is ${config.vocabSize}; export the vocab the model was trained with`,
    );
  }
  const graph =
    config.head?.kind === "classifier"
      ? buildClassifierGraph(config, model.params, dtype)
      : buildGraph(config, model.params, dtype);
  const metadataProps: onnx.IStringStringEntryProto[] = [
    { key: METADATA_KEYS.format, value: ONNX_FORMAT },
    { key: METADATA_KEYS.config, value: JSON.stringify(config) },
    { key: METADATA_KEYS.vocab, value: JSON.stringify(vocab.toJSON()) },
    { key: METADATA_KEYS.vocabHash, value: vocab.hash },
    { key: METADATA_KEYS.dtype, value: dtype },
  ];
  const modelProto: onnx.IModelProto = {
    irVersion,
    opsetImport: [{ domain: "", version: opset }],
    producerName: options.producerName ?? "charrnn",
    producerVersion: options.producerVersion ?? "",
    docString: options.docString ?? "",
    graph,
    metadataProps,
  };
  return encodeWithDigest(modelProto);
}

/** The recurrent part of a graph: token input → embedding/one-hot → one ONNX RNN op per layer. */
interface RecurrentStack {
  /** The top layer's outputs, time-major `[seq, batch, hidden]`. */
  top: string;
  /** Each layer's final `Y_h` (and `Y_c`), `[1, batch, hidden]`. */
  hOut: string[];
  cOut: string[];
}

/**
 * Adds the input and recurrent layers. With `sequenceLens` (an int32 `[batch]` value) every layer
 * gets it as `sequence_lens` and starts from zeros, so each `Y_h` is the state at the row's true
 * length; without it the layers read `h0`/`c0` and the outputs are `h`/`c` themselves.
 */
function recurrentStack(
  config: ModelConfig,
  params: NamedTensors,
  nodes: onnx.INodeProto[],
  inits: onnx.ITensorProto[],
  dtype: WeightDtype,
  sequenceLens?: string,
): RecurrentStack {
  const { cell, layers: L, hidden: H, vocabSize: V } = config;
  const param = (name: string) => params.get(name)!;

  // ONNX recurrent ops want time-major input (layout=1 exists but onnxruntime rejects it), so the
  // int64 tokens are transposed once rather than the wider embedded sequence.
  nodes.push(node("Transpose", ["tokens"], ["tokens_tm"], "tokens_time_major", { perm: [1, 0] }));
  if (config.input === "embedding") {
    const emb = param("embedding.weight");
    addWeight({ name: "embedding.weight", dims: emb.shape, data: emb.data, rowAxis: 0 }, dtype, nodes, inits);
    nodes.push(node("Gather", ["embedding.weight", "tokens_tm"], ["x0"], "embedding", { axis: 0 }));
  } else {
    inits.push(int64Initializer("onehot.depth", [], [V]));
    inits.push(floatInitializer("onehot.values", [2], Float32Array.of(0, 1)));
    nodes.push(
      node("OneHot", ["tokens_tm", "onehot.depth", "onehot.values"], ["x0"], "onehot", { axis: -1 }),
    );
  }
  inits.push(int64Initializer("axes.1", [1], [1]));
  if (L > 1) inits.push(int64Initializer("axes.0", [1], [0]));

  const op = cell === "lstm" ? "LSTM" : cell === "gru" ? "GRU" : "RNN";
  const attrs: Record<string, AttributeValue> = { hidden_size: H };
  if (cell === "gru") attrs.linear_before_reset = 1;
  if (cell === "rnn") attrs.activations = ["Tanh"];
  if (cell !== "rnn" && gateActivation(config) === "hardSigmoid") {
    // Gates f, then g (and h for LSTM); the alphas and betas go to the activations that take them.
    attrs.activations = cell === "lstm" ? ["HardSigmoid", "Tanh", "Tanh"] : ["HardSigmoid", "Tanh"];
    attrs.activation_alpha = { floats: [HARD_SIGMOID_ALPHA] };
    attrs.activation_beta = { floats: [HARD_SIGMOID_BETA] };
  }
  let x = "x0";
  const hOut: string[] = [];
  const cOut: string[] = [];
  for (let k = 0; k < L; k++) {
    const { W, R, B } = toOnnxLayer(config, params, k);
    const p = `rnn.l${k}`;
    addWeight({ name: `${p}.W`, dims: W.shape, data: W.data, rowAxis: 1 }, dtype, nodes, inits);
    addWeight({ name: `${p}.R`, dims: R.shape, data: R.data, rowAxis: 1 }, dtype, nodes, inits);
    inits.push(floatInitializer(`${p}.B`, B.shape, B.data));
    const stateful = sequenceLens === undefined;
    const inputs = [x, `${p}.W`, `${p}.R`, `${p}.B`, sequenceLens ?? ""];
    if (stateful) inputs.push(layerState("h0", k, L, nodes, inits));
    const outputs = [`${p}.Y`, L === 1 && stateful ? "h" : `${p}.h`];
    if (cell === "lstm") {
      if (stateful) inputs.push(layerState("c0", k, L, nodes, inits));
      outputs.push(L === 1 && stateful ? "c" : `${p}.c`);
    }
    nodes.push(node(op, inputs, outputs, `${p}.${op}`, attrs));
    // Y is [seq, num_directions = 1, batch, hidden].
    nodes.push(node("Squeeze", [`${p}.Y`, "axes.1"], [`${p}.out`], `${p}.squeeze`));
    x = `${p}.out`;
    hOut.push(outputs[1]!);
    if (cell === "lstm") cOut.push(outputs[2]!);
  }
  return { top: x, hOut, cOut };
}

function buildGraph(config: ModelConfig, params: NamedTensors, dtype: WeightDtype): onnx.IGraphProto {
  const { cell, layers: L, hidden: H, vocabSize: V } = config;
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  const param = (name: string) => params.get(name)!;
  const { top: x, hOut, cOut } = recurrentStack(config, params, nodes, inits, dtype);
  if (L > 1) {
    nodes.push(node("Concat", hOut, ["h"], "h_concat", { axis: 0 }));
    if (cell === "lstm") nodes.push(node("Concat", cOut, ["c"], "c_concat", { axis: 0 }));
  }

  const outW = param("output.weight");
  const outWT = {
    name: "output.weight_t",
    dims: [H, V],
    data: transpose(outW.data, V, H),
    rowAxis: 1,
  } as const;
  addWeight(outWT, dtype, nodes, inits);
  inits.push(floatInitializer("output.bias", [V], param("output.bias").data));
  nodes.push(node("Transpose", [x], ["y_bm"], "batch_major", { perm: [1, 0, 2] }));
  nodes.push(node("MatMul", ["y_bm", "output.weight_t"], ["logits_nobias"], "output.matmul"));
  nodes.push(node("Add", ["logits_nobias", "output.bias"], ["logits"], "output.bias_add"));

  const stateDims = [L, "batch", H];
  const input = [
    valueInfo("tokens", DataType.INT64, ["batch", "seq"], "token ids, [batch, seq]"),
    valueInfo("h0", DataType.FLOAT, stateDims, "hidden state per layer, [layers, batch, hidden]"),
  ];
  const output = [
    valueInfo("logits", DataType.FLOAT, ["batch", "seq", V], "unnormalised next-token scores"),
    valueInfo("h", DataType.FLOAT, stateDims, "hidden state after the last step"),
  ];
  if (cell === "lstm") {
    input.push(
      valueInfo("c0", DataType.FLOAT, stateDims, "LSTM cell state per layer, [layers, batch, hidden]"),
    );
    output.push(valueInfo("c", DataType.FLOAT, stateDims, "LSTM cell state after the last step"));
  }
  return { name: `charrnn_${cell}`, node: nodes, initializer: inits, input, output };
}

/**
 * A classifier's graph: `tokens` int64 `[batch, seq]` and `lengths` int64 `[batch]` in, label
 * `logits` `[batch, labels]` out; every layer runs from zeros with `sequence_lens = lengths`.
 */
function buildClassifierGraph(
  config: ModelConfig,
  params: NamedTensors,
  dtype: WeightDtype,
): onnx.IGraphProto {
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  nodes.push(node("Cast", ["lengths"], ["lengths_i32"], "lengths_int32", { to: DataType.INT32 }));
  // The label projection is small; only the recurrent stack (and the embedding) are reduced.
  const stack = recurrentStack(config, params, nodes, inits, dtype, "lengths_i32");
  buildClassifierHead(config, params, nodes, inits, {
    lengths: "lengths",
    top: stack.top,
    lastH: stack.hOut.at(-1)!,
  });
  const labels = config.head?.kind === "classifier" ? config.head.labels.length : 0;
  return {
    name: `charrnn_${config.cell}_classifier`,
    node: nodes,
    initializer: inits,
    input: [
      valueInfo(
        "tokens",
        DataType.INT64,
        ["batch", "seq"],
        "token ids, [batch, seq], padded past each length",
      ),
      valueInfo("lengths", DataType.INT64, ["batch"], "true length of each row, in [1, seq]"),
    ],
    output: [valueInfo("logits", DataType.FLOAT, ["batch", labels], "unnormalised label scores")],
  };
}

/** Layer `k`'s `[1, batch, hidden]` slice of a `[layers, batch, hidden]` state input. */
function layerState(
  input: string,
  k: number,
  layers: number,
  nodes: onnx.INodeProto[],
  inits: onnx.ITensorProto[],
): string {
  if (layers === 1) return input;
  const out = `${input}.l${k}`;
  inits.push(int64Initializer(`${out}.start`, [1], [k]), int64Initializer(`${out}.end`, [1], [k + 1]));
  nodes.push(node("Slice", [input, `${out}.start`, `${out}.end`, "axes.0"], [out], `${out}.slice`));
  return out;
}
