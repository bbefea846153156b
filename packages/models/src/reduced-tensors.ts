import type { ModelConfig } from "./config";
import { modelFileCorrupt, type StoredTensor } from "./safetensors";
import type { NamedTensors } from "./tensor";
import {
  dequantizeRows,
  fromBfloat16Bits,
  fromFloat16Bits,
  type Int8Rows,
  quantizeRows,
  reducedWeightNames,
  toBfloat16Bits,
  toFloat16Bits,
  type WeightDtype,
} from "./weight-dtype";

/** Suffix of the float32 per-row scales stored beside an int8 matrix (`rnn.weight_ih_l0.scale`). */
export const INT8_SCALE_SUFFIX = ".scale";

/**
 * The tensors a model file stores for `dtype`, in `params`' order: reduced matrices (an int8 matrix
 * followed by its `<name>.scale` row scales), everything else float32.
 */
export function storeTensors(
  config: ModelConfig,
  params: NamedTensors,
  dtype: WeightDtype,
): Map<string, StoredTensor> {
  const reduced = new Set(reducedWeightNames(config, dtype));
  const out = new Map<string, StoredTensor>();
  for (const [name, tensor] of params) {
    if (!reduced.has(name)) {
      out.set(name, { dtype: "F32", shape: tensor.shape, data: tensor.data });
    } else if (dtype === "f16") {
      out.set(name, {
        dtype: "F16",
        shape: tensor.shape,
        data: toFloat16Bits(tensor.data, `tensor '${name}'`),
      });
    } else if (dtype === "bf16") {
      out.set(name, { dtype: "BF16", shape: tensor.shape, data: toBfloat16Bits(tensor.data) });
    } else {
      const [rows = 0, cols = 0] = tensor.shape;
      const q = quantizeRows(tensor.data, rows, cols);
      out.set(name, { dtype: "I8", shape: tensor.shape, data: q.values });
      out.set(name + INT8_SCALE_SUFFIX, { dtype: "F32", shape: [rows], data: q.scales });
    }
  }
  return out;
}

/** Stored tensors widened to float32, and the int8 matrices as stored. */
export interface WidenedTensors {
  params: NamedTensors;
  int8: Map<string, Int8Rows>;
}

/**
 * Widens stored tensors to float32: half and bfloat16 exactly, int8 as `q · scale` with the scales of
 * `<name>.scale` (a float32 `[rows]` tensor, consumed here). Throws `MODEL_FILE_CORRUPT` naming
 * `source` for an int8 tensor without its scales.
 */
export function widenTensors(tensors: ReadonlyMap<string, StoredTensor>, source: string): WidenedTensors {
  const params: NamedTensors = new Map();
  const int8 = new Map<string, Int8Rows>();
  const scaleNames = new Set<string>();
  for (const [name, tensor] of tensors) {
    if (tensor.dtype === "F32") {
      if (!scaleNames.has(name)) params.set(name, { shape: tensor.shape, data: tensor.data });
    } else if (tensor.dtype === "F16") {
      params.set(name, { shape: tensor.shape, data: fromFloat16Bits(tensor.data) });
    } else if (tensor.dtype === "BF16") {
      params.set(name, { shape: tensor.shape, data: fromBfloat16Bits(tensor.data) });
    } else if (tensor.dtype === "I8") {
      const scaleName = name + INT8_SCALE_SUFFIX;
      const scale = tensors.get(scaleName);
      const [rows = 0, cols = 1] = tensor.shape;
      if (tensor.shape.length !== 2) {
        throw modelFileCorrupt(
          source,
          `int8 tensor '${name}' has shape [${tensor.shape}]; only matrices are stored as int8`,
        );
      }
      if (scale?.dtype !== "F32" || scale.shape.length !== 1 || scale.shape[0] !== rows) {
        throw modelFileCorrupt(
          source,
          `int8 tensor '${name}' needs a float32 [${rows}] '${scaleName}' of row scales`,
        );
      }
      scaleNames.add(scaleName);
      params.delete(scaleName);
      const q: Int8Rows = { rows, cols, values: tensor.data, scales: scale.data };
      int8.set(name, q);
      params.set(name, { shape: tensor.shape, data: dequantizeRows(q) });
    }
  }
  return { params, int8 };
}

/** The dtype a set of stored tensors was written in (the narrowest reduced type present). */
export function storedWeightDtype(tensors: ReadonlyMap<string, StoredTensor>): WeightDtype {
  let dtype: WeightDtype = "f32";
  for (const tensor of tensors.values()) {
    if (tensor.dtype === "I8") return "int8";
    if (tensor.dtype === "F16") dtype = "f16";
    if (tensor.dtype === "BF16") dtype = "bf16";
  }
  return dtype;
}

/**
 * The int8 rows (values and per-row scales, the framework-neutral layout) of every weight matrix a
 * model has, for engines that compute on int8: as stored for an int8 model file (`ModelFile.int8`
 * from `parseModel`), else quantized now from the float32 `params` by the rule an int8 save uses, so
 * `dequantizeRows` of each equals what an int8 file of this model loads as.
 */
export function int8Weights(model: {
  config: ModelConfig;
  params: NamedTensors;
  int8?: ReadonlyMap<string, Int8Rows>;
}): Map<string, Int8Rows> {
  const out = new Map<string, Int8Rows>();
  for (const name of reducedWeightNames(model.config, "int8")) {
    const stored = model.int8?.get(name);
    if (stored !== undefined) {
      out.set(name, stored);
      continue;
    }
    const t = model.params.get(name);
    if (t === undefined) continue;
    out.set(name, quantizeRows(t.data, t.shape[0]!, t.shape[1]!));
  }
  return out;
}
