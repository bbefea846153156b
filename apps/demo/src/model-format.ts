import { CharrnnError } from "@charrnn/core";

/** The model files the page opens. */
export type ModelFormat = "safetensors" | "onnx";

/**
 * Tells a charrnn model file (safetensors) from an ONNX file by its first bytes, falling back to the
 * extension: safetensors starts with a little-endian u64 header length followed by `{`; an ONNX
 * ModelProto starts with field 1 (`ir_version`, varint: byte 0x08). Throws `MODEL_FORMAT_UNKNOWN`
 * naming the file otherwise.
 */
export function detectModelFormat(name: string, bytes: Uint8Array): ModelFormat {
  if (looksLikeSafetensors(bytes)) return "safetensors";
  if (bytes[0] === 0x08) return "onnx";
  const lower = name.toLowerCase();
  if (lower.endsWith(".onnx")) return "onnx";
  if (lower.endsWith(".safetensors")) return "safetensors";
  throw new CharrnnError(
    "MODEL_FORMAT_UNKNOWN",
    `${name} is neither a charrnn model (.safetensors) nor an ONNX file (.onnx); drop a file written by charrnn train or charrnn export`,
  );
}

function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  return headerLength > 1n && headerLength <= BigInt(bytes.length - 8) && bytes[8] === 0x7b;
}
