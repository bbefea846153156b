import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import type { ModelConfig } from "./config";
import { EMBEDDING_WEIGHT, headParams, layerParamNames } from "./weight-layout";

/**
 * Precision of a model file's weight matrices. Everything is widened to float32 on load; biases
 * always stay float32 (they are a fraction of a percent of the file).
 * - `f32`: float32 (the default, what training writes);
 * - `f16`: IEEE half, round to nearest even (values beyond ±65504 are refused);
 * - `bf16`: bfloat16 (float32's range, 8 bits of mantissa);
 * - `int8`: symmetric int8 per output row with a float32 scale per row (`w = q · scale`).
 */
export type WeightDtype = "f32" | "f16" | "bf16" | "int8";

/** Every {@link WeightDtype}, in order of decreasing size. */
export const WEIGHT_DTYPES: readonly WeightDtype[] = ["f32", "f16", "bf16", "int8"];

/** Throws `CharrnnRangeError` unless `value` is a {@link WeightDtype}. */
export function checkWeightDtype(value: unknown, option = "dtype"): WeightDtype {
  if (!WEIGHT_DTYPES.includes(value as WeightDtype)) {
    throw new CharrnnRangeError(option, WEIGHT_DTYPES.join(", "), value);
  }
  return value as WeightDtype;
}

/**
 * The weight matrices stored in reduced precision for `dtype`: none for f32, every matrix otherwise.
 * int8 keeps the embedding and the output projection as well: measured on tiny Shakespeare
 * (README, "Smaller model files") quantizing them per row costs less than the recurrent matrices do.
 */
export function reducedWeightNames(config: ModelConfig, dtype: WeightDtype): string[] {
  if (dtype === "f32") return [];
  const names: string[] = [];
  if (config.input === "embedding") names.push(EMBEDDING_WEIGHT);
  for (let k = 0; k < config.layers; k++) {
    const { weightIh, weightHh } = layerParamNames(k);
    names.push(weightIh, weightHh);
  }
  names.push(headParams(config).weight);
  return names;
}

/**
 * Int8 rows: `values[r·cols + c] · scales[r]` is the float32 weight. This is the in-memory form of an
 * int8 model file's matrices, row-major in the framework-neutral layout (`[G·H, in]`, PyTorch gate
 * order), for engines that compute on int8 directly.
 */
export interface Int8Rows {
  rows: number;
  cols: number;
  values: Int8Array;
  scales: Float32Array;
}

/** Symmetric per-row int8: each row's scale is its largest magnitude / 127 (1 for an all-zero row). */
export function quantizeRows(data: Float32Array, rows: number, cols: number): Int8Rows {
  if (data.length !== rows * cols) {
    throw new CharrnnError(
      "MODEL_SHAPE_MISMATCH",
      `cannot quantize ${data.length} values as [${rows},${cols}]`,
    );
  }
  const values = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(data[base + c]!));
    const scale = max > 0 ? Math.fround(max / 127) : 1;
    scales[r] = scale;
    for (let c = 0; c < cols; c++) {
      values[base + c] = Math.max(-127, Math.min(127, Math.round(data[base + c]! / scale)));
    }
  }
  return { rows, cols, values, scales };
}

/** The float32 weights of int8 rows (`q · scale`, rounded to float32 as ONNX `DequantizeLinear` does). */
export function dequantizeRows(q: Int8Rows): Float32Array {
  const out = new Float32Array(q.rows * q.cols);
  for (let r = 0; r < q.rows; r++) {
    const scale = q.scales[r]!;
    const base = r * q.cols;
    for (let c = 0; c < q.cols; c++) out[base + c] = q.values[base + c]! * scale;
  }
  return out;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Largest finite half-precision value. */
export const F16_MAX = 65504;

/**
 * Float32 → IEEE half bits, rounding to nearest even. Throws `MODEL_DTYPE_RANGE` for a finite value
 * that would overflow to infinity (`name` names the tensor in the message).
 */
export function toFloat16Bits(data: Float32Array, name = "a tensor"): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    F32[0] = data[i]!;
    const x = U32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
      continue;
    }
    const e = exp - 112; // rebias 127 → 15
    let half: number;
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      half = mant >>> shift;
      const rest = mant & ((1 << shift) - 1);
      const mid = 1 << (shift - 1);
      if (rest > mid || (rest === mid && (half & 1) === 1)) half++;
    } else {
      half = (e << 10) | (mant >>> 13);
      const rest = mant & 0x1fff;
      // A carry out of the mantissa correctly bumps the exponent.
      if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
    }
    if (half >= 0x7c00) {
      throw new CharrnnError(
        "MODEL_DTYPE_RANGE",
        `${name} holds ${data[i]} at index ${i}, beyond float16's ±${F16_MAX}; use --dtype bf16 or int8`,
      );
    }
    out[i] = sign | half;
  }
  return out;
}

/** IEEE half bits → float32 (exact), through a 65,536-entry table built on first use. */
export function fromFloat16Bits(bits: Uint16Array): Float32Array {
  if (halfTable === undefined) halfTable = buildHalfTable();
  const table = halfTable;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
  return out;
}

let halfTable: Float32Array | undefined;

function buildHalfTable(): Float32Array {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) table[h] = sign * m * 2 ** -24;
    else if (e === 31) table[h] = m !== 0 ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else table[h] = sign * (1 + m / 1024) * 2 ** (e - 15);
  }
  return table;
}

/** Float32 → bfloat16 bits (the high half of the float32), rounding to nearest even. */
export function toBfloat16Bits(data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    F32[0] = data[i]!;
    const x = U32[0]!;
    if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) {
      out[i] = (x >>> 16) | 0x40; // keep NaN a NaN
      continue;
    }
    out[i] = ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
  }
  return out;
}

/** bfloat16 bits → float32 (exact). */
export function fromBfloat16Bits(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const wide = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) wide[i] = bits[i]! << 16;
  return out;
}

/**
 * What a matrix becomes after a save in `dtype` and a load: the float32 values every engine computes
 * with. `rows` × `cols` is the matrix shape (per-row int8 needs it).
 */
export function roundTripWeights(
  data: Float32Array,
  rows: number,
  cols: number,
  dtype: WeightDtype,
): Float32Array {
  switch (dtype) {
    case "f32":
      return data;
    case "f16":
      return fromFloat16Bits(toFloat16Bits(data));
    case "bf16":
      return fromBfloat16Bits(toBfloat16Bits(data));
    case "int8":
      return dequantizeRows(quantizeRows(data, rows, cols));
  }
}
