import { CharrnnError } from "@charrnn/core";
import type { CellType, ModelConfig } from "./config";
import { gateCount, layerInputSize } from "./config";
import type { NamedTensors, Tensor } from "./tensor";
import { tensorSize } from "./tensor";
import { fmtShape, layerParamNames } from "./weight-layout";

/** A gate order: one label per `H`-row block of a `[G·H, cols]` weight. The same label means the same gate. */
export type GateOrder = readonly string[];

/** Frameworks whose recurrent weight layouts we convert between. */
export type GateFramework = "pytorch" | "onnx" | "keras";

/**
 * Gate orders, labelled with PyTorch's names (LSTM `g` = ONNX/Keras `c`, GRU `n` = ONNX/Keras `h`).
 * PyTorch: LSTM i,f,g,o; GRU r,z,n. ONNX: LSTM i,o,f,c; GRU z,r,h. Keras/TF.js: LSTM i,f,c,o; GRU z,r,h.
 */
export const GATE_ORDERS: Readonly<Record<GateFramework, Readonly<Record<CellType, GateOrder>>>> = {
  pytorch: { rnn: ["h"], lstm: ["i", "f", "g", "o"], gru: ["r", "z", "n"] },
  onnx: { rnn: ["h"], lstm: ["i", "o", "f", "g"], gru: ["z", "r", "n"] },
  keras: { rnn: ["h"], lstm: ["i", "f", "g", "o"], gru: ["z", "r", "n"] },
};

/**
 * Reorders the gate blocks of a row-major `[G·hidden, cols]` matrix (a bias is `cols = 1`) from
 * `fromOrder` to `toOrder`. Returns a new array.
 */
export function reorderGates(
  data: Float32Array,
  hidden: number,
  cols: number,
  fromOrder: GateOrder,
  toOrder: GateOrder,
): Float32Array {
  const block = hidden * cols;
  if (fromOrder.length !== toOrder.length || data.length !== fromOrder.length * block) {
    throw new CharrnnError(
      "MODEL_SHAPE_MISMATCH",
      `cannot reorder ${data.length} values as ${fromOrder.length} gate blocks of [${hidden},${cols}] into ${toOrder.length} blocks`,
    );
  }
  const out = new Float32Array(data.length);
  for (let j = 0; j < toOrder.length; j++) {
    const from = fromOrder.indexOf(toOrder[j]!);
    if (from < 0) {
      throw new CharrnnError(
        "MODEL_SHAPE_MISMATCH",
        `gate '${toOrder[j]}' is not in [${fromOrder.join(",")}]`,
      );
    }
    out.set(data.subarray(from * block, (from + 1) * block), j * block);
  }
  return out;
}

/** Transposes a row-major `[rows, cols]` matrix. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c]!;
  }
  return out;
}

/** One layer in ONNX `RNN`/`GRU`/`LSTM` operator form (a single direction). */
export interface OnnxLayerWeights {
  /** `[1, G·H, in]`, ONNX gate order. */
  W: Tensor;
  /** `[1, G·H, H]`. */
  R: Tensor;
  /** `[1, 2·G·H]`: the input biases, then the recurrent biases. */
  B: Tensor;
}

/** One layer in Keras/TF.js form. */
export interface KerasLayerWeights {
  /** `[in, G·H]`, Keras gate order. */
  kernel: Tensor;
  /** `[H, G·H]`. */
  recurrentKernel: Tensor;
  /**
   * GRU (`reset_after: true`): `[2, G·H]`, input bias row then recurrent bias row.
   * LSTM and SimpleRNN: `[G·H]`, the sum of PyTorch's two biases.
   */
  bias: Tensor;
}

/** Layer `layer` of our (PyTorch-layout) params as ONNX `W`, `R`, `B`. */
export function toOnnxLayer(config: ModelConfig, params: NamedTensors, layer: number): OnnxLayerWeights {
  const { wih, whh, bih, bhh, g, h, inSize } = layerTensors(config, params, layer);
  const from = GATE_ORDERS.pytorch[config.cell];
  const to = GATE_ORDERS.onnx[config.cell];
  const b = new Float32Array(2 * g * h);
  b.set(reorderGates(bih, h, 1, from, to), 0);
  b.set(reorderGates(bhh, h, 1, from, to), g * h);
  return {
    W: { shape: [1, g * h, inSize], data: reorderGates(wih, h, inSize, from, to) },
    R: { shape: [1, g * h, h], data: reorderGates(whh, h, h, from, to) },
    B: { shape: [1, 2 * g * h], data: b },
  };
}

/** ONNX `W`, `R`, `B` of layer `layer` back to our four named tensors. */
export function fromOnnxLayer(config: ModelConfig, weights: OnnxLayerWeights, layer: number): NamedTensors {
  const { g, h, inSize } = dims(config, layer);
  checkShape("ONNX W", weights.W, [1, g * h, inSize]);
  checkShape("ONNX R", weights.R, [1, g * h, h]);
  checkShape("ONNX B", weights.B, [1, 2 * g * h]);
  const from = GATE_ORDERS.onnx[config.cell];
  const to = GATE_ORDERS.pytorch[config.cell];
  const b = weights.B.data;
  return namedLayer(
    layer,
    { shape: [g * h, inSize], data: reorderGates(weights.W.data, h, inSize, from, to) },
    { shape: [g * h, h], data: reorderGates(weights.R.data, h, h, from, to) },
    { shape: [g * h], data: reorderGates(b.subarray(0, g * h), h, 1, from, to) },
    { shape: [g * h], data: reorderGates(b.subarray(g * h), h, 1, from, to) },
  );
}

/** Layer `layer` of our params in Keras/TF.js form (kernels transposed, Keras gate order). */
export function toKerasLayer(config: ModelConfig, params: NamedTensors, layer: number): KerasLayerWeights {
  const { wih, whh, bih, bhh, g, h, inSize } = layerTensors(config, params, layer);
  const from = GATE_ORDERS.pytorch[config.cell];
  const to = GATE_ORDERS.keras[config.cell];
  const kernel = transpose(reorderGates(wih, h, inSize, from, to), g * h, inSize);
  const recurrent = transpose(reorderGates(whh, h, h, from, to), g * h, h);
  const bi = reorderGates(bih, h, 1, from, to);
  const bh = reorderGates(bhh, h, 1, from, to);
  let bias: Tensor;
  if (config.cell === "gru") {
    const data = new Float32Array(2 * g * h);
    data.set(bi, 0);
    data.set(bh, g * h);
    bias = { shape: [2, g * h], data };
  } else {
    // LSTM and SimpleRNN add both biases to the same pre-activation, so Keras keeps only their sum.
    for (let i = 0; i < bi.length; i++) bi[i] = bi[i]! + bh[i]!;
    bias = { shape: [g * h], data: bi };
  }
  return {
    kernel: { shape: [inSize, g * h], data: kernel },
    recurrentKernel: { shape: [h, g * h], data: recurrent },
    bias,
  };
}

/**
 * Keras/TF.js weights of layer `layer` back to our four named tensors. A summed LSTM/RNN bias goes to
 * `bias_ih` (with `bias_hh` zero); a GRU needs `reset_after: true` (bias `[2, G·H]`), the PyTorch form.
 */
export function fromKerasLayer(config: ModelConfig, weights: KerasLayerWeights, layer: number): NamedTensors {
  const { g, h, inSize } = dims(config, layer);
  checkShape("Keras kernel", weights.kernel, [inSize, g * h]);
  checkShape("Keras recurrent kernel", weights.recurrentKernel, [h, g * h]);
  const from = GATE_ORDERS.keras[config.cell];
  const to = GATE_ORDERS.pytorch[config.cell];
  let bih: Float32Array;
  let bhh: Float32Array;
  if (config.cell === "gru") {
    if (weights.bias.shape.length !== 2) {
      throw new CharrnnError(
        "MODEL_SHAPE_MISMATCH",
        `Keras GRU bias has shape ${fmtShape(weights.bias.shape)}; only reset_after=true GRUs (bias [2,${g * h}]) match PyTorch/ONNX, rebuild the layer with resetAfter: true`,
      );
    }
    checkShape("Keras GRU bias", weights.bias, [2, g * h]);
    bih = reorderGates(weights.bias.data.subarray(0, g * h), h, 1, from, to);
    bhh = reorderGates(weights.bias.data.subarray(g * h), h, 1, from, to);
  } else {
    checkShape("Keras bias", weights.bias, [g * h]);
    bih = reorderGates(weights.bias.data, h, 1, from, to);
    bhh = new Float32Array(g * h);
  }
  return namedLayer(
    layer,
    {
      shape: [g * h, inSize],
      data: reorderGates(transpose(weights.kernel.data, inSize, g * h), h, inSize, from, to),
    },
    {
      shape: [g * h, h],
      data: reorderGates(transpose(weights.recurrentKernel.data, h, g * h), h, h, from, to),
    },
    { shape: [g * h], data: bih },
    { shape: [g * h], data: bhh },
  );
}

/** One gate's rows of a layer: `wih` `[H, in]`, `whh` `[H, H]`, biases `[H]` (PyTorch's own layout). */
export interface GateWeights {
  wih: Tensor;
  whh: Tensor;
  bih: Tensor;
  bhh: Tensor;
}

/**
 * Layer `layer`'s weights cut into one block per gate, keyed by PyTorch's gate labels (LSTM i,f,g,o;
 * GRU r,z,n; RNN h): for exports that compute each gate with its own matmul.
 */
export function splitGates(
  config: ModelConfig,
  params: NamedTensors,
  layer: number,
): Record<string, GateWeights> {
  const { wih, whh, bih, bhh, h, inSize } = layerTensors(config, params, layer);
  const out: Record<string, GateWeights> = {};
  GATE_ORDERS.pytorch[config.cell].forEach((label, j) => {
    out[label] = {
      wih: { shape: [h, inSize], data: wih.slice(j * h * inSize, (j + 1) * h * inSize) },
      whh: { shape: [h, h], data: whh.slice(j * h * h, (j + 1) * h * h) },
      bih: { shape: [h], data: bih.slice(j * h, (j + 1) * h) },
      bhh: { shape: [h], data: bhh.slice(j * h, (j + 1) * h) },
    };
  });
  return out;
}

/** The inverse of {@link splitGates}: per-gate blocks (PyTorch labels) back to the layer's four named tensors. */
export function joinGates(
  config: ModelConfig,
  blocks: Readonly<Record<string, GateWeights>>,
  layer: number,
): NamedTensors {
  const { g, h, inSize } = dims(config, layer);
  const wih = new Float32Array(g * h * inSize);
  const whh = new Float32Array(g * h * h);
  const bih = new Float32Array(g * h);
  const bhh = new Float32Array(g * h);
  GATE_ORDERS.pytorch[config.cell].forEach((label, j) => {
    const b = blocks[label];
    if (b === undefined) throw new CharrnnError("MODEL_SHAPE_MISMATCH", `gate '${label}' is missing`);
    checkShape(`gate ${label} input weights`, b.wih, [h, inSize]);
    checkShape(`gate ${label} recurrent weights`, b.whh, [h, h]);
    checkShape(`gate ${label} input bias`, b.bih, [h]);
    checkShape(`gate ${label} recurrent bias`, b.bhh, [h]);
    wih.set(b.wih.data, j * h * inSize);
    whh.set(b.whh.data, j * h * h);
    bih.set(b.bih.data, j * h);
    bhh.set(b.bhh.data, j * h);
  });
  return namedLayer(
    layer,
    { shape: [g * h, inSize], data: wih },
    { shape: [g * h, h], data: whh },
    { shape: [g * h], data: bih },
    { shape: [g * h], data: bhh },
  );
}

function dims(config: ModelConfig, layer: number): { g: number; h: number; inSize: number } {
  if (!Number.isInteger(layer) || layer < 0 || layer >= config.layers) {
    throw new CharrnnError(
      "MODEL_SHAPE_MISMATCH",
      `layer ${layer} does not exist (the model has ${config.layers})`,
    );
  }
  return { g: gateCount(config.cell), h: config.hidden, inSize: layerInputSize(config, layer) };
}

function layerTensors(config: ModelConfig, params: NamedTensors, layer: number) {
  const d = dims(config, layer);
  const names = layerParamNames(layer);
  const gh = d.g * d.h;
  const get = (name: string, shape: number[]): Float32Array => {
    const t = params.get(name);
    if (t === undefined) throw new CharrnnError("MODEL_SHAPE_MISMATCH", `tensor '${name}' is missing`);
    checkShape(`tensor '${name}'`, t, shape);
    return t.data;
  };
  return {
    ...d,
    wih: get(names.weightIh, [gh, d.inSize]),
    whh: get(names.weightHh, [gh, d.h]),
    bih: get(names.biasIh, [gh]),
    bhh: get(names.biasHh, [gh]),
  };
}

function namedLayer(layer: number, wih: Tensor, whh: Tensor, bih: Tensor, bhh: Tensor): NamedTensors {
  const names = layerParamNames(layer);
  return new Map([
    [names.weightIh, wih],
    [names.weightHh, whh],
    [names.biasIh, bih],
    [names.biasHh, bhh],
  ]);
}

function checkShape(what: string, t: Tensor, shape: number[]): void {
  const ok =
    t.shape.length === shape.length &&
    t.shape.every((d, i) => d === shape[i]) &&
    t.data.length === tensorSize(t.shape);
  if (!ok) {
    throw new CharrnnError(
      "MODEL_SHAPE_MISMATCH",
      `${what} has shape ${fmtShape(t.shape)} (${t.data.length} values) but ${fmtShape(shape)} is expected`,
    );
  }
}
