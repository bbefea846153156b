import { CharrnnError } from "@charrnn/core";
import type { NamedTensors, Tensor } from "./tensor";

/** Header size above which a file is refused before anything is allocated. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** What a safetensors file holds: float32 tensors in file order, and the string metadata. */
export interface SafetensorsContent {
  tensors: NamedTensors;
  /** `__metadata__`, or `undefined` when the file has none. */
  metadata: Record<string, string> | undefined;
}

/** The safetensors element types charrnn reads and writes. */
export type StoredDtype = "F32" | "F16" | "BF16" | "I8";

/** A tensor as stored: float32 values, half/bfloat16 bit patterns, or int8 values. */
export type StoredTensor =
  | { dtype: "F32"; shape: number[]; data: Float32Array }
  | { dtype: "F16" | "BF16"; shape: number[]; data: Uint16Array }
  | { dtype: "I8"; shape: number[]; data: Int8Array };

/** {@link SafetensorsContent} with the tensors as stored (no widening). */
export interface StoredSafetensorsContent {
  tensors: Map<string, StoredTensor>;
  metadata: Record<string, string> | undefined;
}

const BYTES_PER_ELEMENT: Readonly<Record<StoredDtype, number>> = { F32: 4, F16: 2, BF16: 2, I8: 1 };

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Writes tensors (in map order; a plain `Tensor` as F32, a `StoredTensor` in its dtype) and string
 * metadata as safetensors: an 8-byte little-endian header length, the JSON header padded with spaces to
 * a multiple of 8, then the raw little-endian data.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, Tensor | StoredTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (name === "__metadata__")
      throw new CharrnnError("MODEL_SHAPE_MISMATCH", "a tensor cannot be named '__metadata__'");
    const dtype = "dtype" in tensor ? tensor.dtype : "F32";
    const end = offset + tensor.data.length * BYTES_PER_ELEMENT[dtype];
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const tensor of tensors.values()) {
    const data = tensor.data;
    if (LITTLE_ENDIAN || data instanceof Int8Array) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    } else if (data instanceof Uint16Array) {
      for (let i = 0; i < data.length; i++) view.setUint16(at + i * 2, data[i]!, true);
    } else {
      for (let i = 0; i < data.length; i++) view.setFloat32(at + i * 4, data[i]!, true);
    }
    at += data.byteLength;
  }
  return out;
}

/**
 * Parses safetensors bytes defensively: every length and offset is checked against the file size
 * before anything is allocated or copied. Throws `CharrnnError` `MODEL_FILE_CORRUPT` naming
 * `options.source` and the exact fault, or `MODEL_DTYPE_UNSUPPORTED` for tensors that are not F32.
 */
export function decodeSafetensors(bytes: Uint8Array, options: { source?: string } = {}): SafetensorsContent {
  const source = options.source ?? "<bytes>";
  const stored = decodeStoredSafetensors(bytes, options);
  const tensors: NamedTensors = new Map();
  for (const [name, tensor] of stored.tensors) {
    if (tensor.dtype !== "F32") throw dtypeUnsupported(source, name, tensor.dtype, "F32");
    tensors.set(name, { shape: tensor.shape, data: tensor.data });
  }
  return { tensors, metadata: stored.metadata };
}

/**
 * {@link decodeSafetensors} for files that may hold reduced-precision tensors: F32, F16, BF16 and I8
 * come back as stored (half and bfloat16 as bit patterns); any other dtype is `MODEL_DTYPE_UNSUPPORTED`.
 */
export function decodeStoredSafetensors(
  bytes: Uint8Array,
  options: { source?: string } = {},
): StoredSafetensorsContent {
  const source = options.source ?? "<bytes>";
  const corrupt = (detail: string): CharrnnError => modelFileCorrupt(source, detail);
  if (bytes.length < 8) throw corrupt(`it is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerLength = high * 2 ** 32 + low;
  if (headerLength > MAX_HEADER_BYTES) {
    throw corrupt(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (8 + headerLength > bytes.length) {
    throw corrupt(`header length ${headerLength} exceeds the file size ${bytes.length}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw corrupt("header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw corrupt(`header is not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(header)) throw corrupt("header is not a JSON object");

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> | undefined;
  const entries: { name: string; dtype: StoredDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (!isPlainObject(entry)) throw corrupt("__metadata__ is not an object of strings");
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== "string") throw corrupt(`__metadata__ entry '${key}' is not a string`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    if (!isPlainObject(entry)) throw corrupt(`tensor '${name}' entry is not an object`);
    // A missing dtype is a damaged entry, not a model saved in another precision.
    if (typeof entry.dtype !== "string") throw corrupt(`tensor '${name}' has no dtype`);
    const dtype = entry.dtype as StoredDtype;
    const width = BYTES_PER_ELEMENT[dtype];
    if (!Object.hasOwn(BYTES_PER_ELEMENT, dtype) || width === undefined) {
      throw dtypeUnsupported(source, name, entry.dtype, "F32, F16, BF16 and I8");
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw corrupt(`tensor '${name}' shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    // Stop multiplying once the size is impossible, so a forged shape cannot overflow to a match.
    let size = shape.includes(0) ? 0 : 1;
    for (const d of shape as number[]) {
      size *= d;
      if (size * width > dataLength) break;
    }
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !Number.isSafeInteger(offsets[0]) ||
      !Number.isSafeInteger(offsets[1])
    ) {
      throw corrupt(`tensor '${name}' data_offsets ${JSON.stringify(offsets)} is not a pair of integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin < 0 || end < begin)
      throw corrupt(`tensor '${name}' data_offsets [${begin},${end}] are out of order`);
    if (end > dataLength) {
      throw corrupt(
        `tensor '${name}' data_offsets [${begin},${end}] exceed the data size ${dataLength} (file size ${bytes.length})`,
      );
    }
    if (end - begin !== size * width) {
      throw corrupt(
        `tensor '${name}' data_offsets [${begin},${end}] hold ${end - begin} bytes but shape [${shape}] needs ${size * width}`,
      );
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  const byBegin = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < byBegin.length; i++) {
    const prev = byBegin[i - 1]!;
    const cur = byBegin[i]!;
    if (cur.begin < prev.end) {
      throw corrupt(
        `tensors '${prev.name}' and '${cur.name}' overlap (data_offsets [${prev.begin},${prev.end}] and [${cur.begin},${cur.end}])`,
      );
    }
  }
  const tensors = new Map<string, StoredTensor>();
  for (const { name, dtype, shape, begin, end } of entries) {
    const at = dataStart + begin;
    if (dtype === "F32") {
      tensors.set(name, { dtype, shape, data: readFloat32(bytes, view, at, (end - begin) / 4) });
    } else if (dtype === "I8") {
      const data = new Int8Array(end - begin);
      data.set(new Int8Array(bytes.buffer, bytes.byteOffset + at, end - begin));
      tensors.set(name, { dtype, shape, data });
    } else {
      const data = new Uint16Array((end - begin) / 2);
      for (let i = 0; i < data.length; i++) data[i] = view.getUint16(at + i * 2, true);
      tensors.set(name, { dtype, shape, data });
    }
  }
  return { tensors, metadata };
}

function dtypeUnsupported(source: string, name: string, dtype: unknown, reads: string): CharrnnError {
  return new CharrnnError(
    "MODEL_DTYPE_UNSUPPORTED",
    `model file ${source}: tensor '${name}' has dtype ${JSON.stringify(dtype)}; charrnn reads ${reads} here, save the weights as float32 (tensor.float())`,
  );
}

/** The one-line error for a damaged model file. */
export function modelFileCorrupt(source: string, detail: string): CharrnnError {
  return new CharrnnError(
    "MODEL_FILE_CORRUPT",
    `model file ${source} is damaged: ${detail}; re-export or restore from a checkpoint`,
  );
}

function readFloat32(bytes: Uint8Array, view: DataView, at: number, count: number): Float32Array {
  if (LITTLE_ENDIAN) {
    // Copy into a fresh, aligned buffer (a Node Buffer's slice() would alias its shared pool).
    const copy = new Uint8Array(count * 4);
    copy.set(bytes.subarray(at, at + count * 4));
    return new Float32Array(copy.buffer);
  }
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + i * 4, true);
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
