import { quantizeRows, toBfloat16Bits, toFloat16Bits, transpose, type WeightDtype } from "@charrnn/models";
import type { onnx } from "onnx-proto";
import { DataType, floatInitializer, node } from "./proto";

/** Where a weight matrix goes: its graph value name, ONNX dims, and which axis holds its output rows. */
export interface WeightSpec {
  /** The float32 value the graph's operators read. */
  name: string;
  /** ONNX dims of that value. */
  dims: readonly number[];
  /** Row-major values in `dims`. */
  data: Float32Array;
  /**
   * The axis of `dims` that indexes the model's output rows (the int8 scale axis): 0 for the
   * embedding, 1 for `W`/`R` `[1, G·H, in]` and for the transposed output projection `[H, V]`.
   */
  rowAxis: 0 | 1;
}

/**
 * Adds a weight matrix in `dtype`: a float initializer for f32; for f16/bf16 a half-width initializer
 * and a `Cast` to float; for int8 an int8 initializer, a `Cast` to float and a `Mul` by the per-row
 * float scales. Only standard ops, so every runtime and the official checker accept it, and a runtime
 * folds the constant subgraph into float32 weights once at load.
 */
export function addWeight(
  spec: WeightSpec,
  dtype: WeightDtype,
  nodes: onnx.INodeProto[],
  inits: onnx.ITensorProto[],
): void {
  const { name, dims, data } = spec;
  if (dtype === "f32") {
    inits.push(floatInitializer(name, dims, data));
    return;
  }
  if (dtype === "f16" || dtype === "bf16") {
    const bits = dtype === "f16" ? toFloat16Bits(data, `weight '${name}'`) : toBfloat16Bits(data);
    const stored = `${name}.${dtype}`;
    inits.push({
      name: stored,
      dims: [...dims],
      dataType: dtype === "f16" ? DataType.FLOAT16 : DataType.BFLOAT16,
      rawData: littleEndianBytes(bits),
    });
    nodes.push(node("Cast", [stored], [name], `${name}.cast`, { to: DataType.FLOAT }));
    return;
  }
  // Quantize in row-major [rows, cols] with rows = the model's output rows, then lay out as `dims`.
  const rows = dims[spec.rowAxis]!;
  const cols = data.length / rows;
  const rowMajor = spec.rowAxis === 0 || dims[0] === 1 ? data : transpose(data, dims[0]!, rows);
  const q = quantizeRows(rowMajor, rows, cols);
  const values = spec.rowAxis === 0 || dims[0] === 1 ? q.values : transposeInt8(q.values, rows, cols);
  const stored = `${name}.int8`;
  // Scales shaped to broadcast along the row axis: [V, 1], [1, G·H, 1], [1, V].
  const scaleDims = dims.map((d, i) => (i === spec.rowAxis ? d : 1));
  inits.push(
    {
      name: stored,
      dims: [...dims],
      dataType: DataType.INT8,
      rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    },
    floatInitializer(`${name}.scale`, scaleDims, q.scales),
  );
  // Cast + Mul rather than DequantizeLinear: onnxruntime folds these constants into float32 weights
  // once at load, computing exactly q · scale as every charrnn engine does. A DequantizeLinear it keeps
  // in the graph (re-run every call) or, with extended optimizations, fuses with MatMul into a kernel
  // of its own numerics.
  nodes.push(
    node("Cast", [stored], [`${name}.widened`], `${name}.cast`, { to: DataType.FLOAT }),
    node("Mul", [`${name}.widened`, `${name}.scale`], [name], `${name}.rescale`),
  );
}

function transposeInt8(data: Int8Array, rows: number, cols: number): Int8Array {
  const out = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

function littleEndianBytes(bits: Uint16Array): Uint8Array {
  const out = new Uint8Array(bits.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < bits.length; i++) view.setUint16(i * 2, bits[i]!, true);
  return out;
}
