import type { onnx } from "onnx-proto";
import * as onnxProtoModule from "onnx-proto";

type OnnxNamespace = typeof onnxProtoModule.onnx;

// onnx-proto is CommonJS (`module.exports = { onnx }`); Node's ESM loader exposes it only as the
// default export, bundlers and vitest may also expose the named one.
const loaded = onnxProtoModule as unknown as { onnx?: OnnxNamespace; default?: { onnx: OnnxNamespace } };

/** The protobufjs-generated ONNX classes (`ModelProto`, `GraphProto`, …). */
export const proto: OnnxNamespace = loaded.onnx ?? (loaded.default as { onnx: OnnxNamespace }).onnx;

/** ONNX `TensorProto.DataType` codes used here. */
export const DataType = { FLOAT: 1, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10, BFLOAT16: 16 } as const;

/** A dimension: a fixed size or a symbolic name (`dim_param`). */
export type Dim = number | string;

/** A `ValueInfoProto` for a graph input or output tensor. */
export function valueInfo(
  name: string,
  elemType: number,
  dims: readonly Dim[],
  docString?: string,
): onnx.IValueInfoProto {
  return {
    name,
    docString: docString ?? "",
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** A float initializer stored as `raw_data` (little-endian, as the ONNX spec requires). */
export function floatInitializer(
  name: string,
  dims: readonly number[],
  data: Float32Array,
): onnx.ITensorProto {
  let raw: Uint8Array;
  if (littleEndian) {
    raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } else {
    raw = new Uint8Array(data.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  }
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: raw };
}

/** A small int64 initializer (slice bounds, axes, depths). */
export function int64Initializer(
  name: string,
  dims: readonly number[],
  values: readonly number[],
): onnx.ITensorProto {
  return { name, dims: [...dims], dataType: DataType.INT64, int64Data: [...values] };
}

/** A FLOAT attribute (plain numbers are INTs): `{ float: 0.5 }`. */
export interface FloatAttribute {
  readonly float: number;
}

/** A FLOATS attribute (plain number arrays are INTS): `{ floats: [0.2] }`. */
export interface FloatsAttribute {
  readonly floats: readonly number[];
}

/** Attribute values this exporter writes. */
export type AttributeValue =
  | number
  | FloatAttribute
  | FloatsAttribute
  | readonly number[]
  | readonly string[];

/**
 * A `NodeProto`. Attributes: a number is an INT, `{ float }` a FLOAT, `{ floats }` FLOATS, a number
 * array INTS, a string array STRINGS.
 */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attributes: Readonly<Record<string, AttributeValue>> = {},
): onnx.INodeProto {
  const attribute: onnx.IAttributeProto[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === "number") {
      attribute.push({ name: key, type: proto.AttributeProto.AttributeType.INT, i: value });
    } else if ("float" in value) {
      attribute.push({ name: key, type: proto.AttributeProto.AttributeType.FLOAT, f: value.float });
    } else if ("floats" in value) {
      attribute.push({
        name: key,
        type: proto.AttributeProto.AttributeType.FLOATS,
        floats: [...value.floats],
      });
    } else if (value.length > 0 && typeof value[0] === "string") {
      const encoder = new TextEncoder();
      attribute.push({
        name: key,
        type: proto.AttributeProto.AttributeType.STRINGS,
        strings: (value as readonly string[]).map((s) => encoder.encode(s)),
      });
    } else {
      attribute.push({
        name: key,
        type: proto.AttributeProto.AttributeType.INTS,
        ints: [...(value as readonly number[])],
      });
    }
  }
  return { opType, input: [...inputs], output: [...outputs], name, attribute };
}
