import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

/** An incremental hash: noble's `sha256.create()` and Node's `createHash("sha256")` both fit. */
export interface Hasher {
  update(data: Uint8Array): unknown;
}

/** A tensor as digested: float32 when `dtype` is absent or `"F32"`, else the stored dtype. */
export interface DigestTensor {
  shape: readonly number[];
  data: Float32Array | Uint16Array | Int8Array;
  dtype?: string;
}

/**
 * Feeds every tensor to `hasher` in map order: `"<name>:<d0>,<d1>,…;"` (UTF-8; `"<name>:<dims>:<dtype>;"`
 * for a dtype other than F32), then its stored bytes (little-endian). Model files and checkpoints
 * both digest their tensors this way.
 */
export function hashTensors(tensors: ReadonlyMap<string, DigestTensor>, hasher: Hasher): void {
  const encoder = new TextEncoder();
  for (const [name, t] of tensors) {
    const dtype = t.dtype === undefined || t.dtype === "F32" ? "" : `:${t.dtype}`;
    hasher.update(encoder.encode(`${name}:${t.shape.join(",")}${dtype};`));
    hasher.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
}

/** `__metadata__` key of a model file's digest. */
export const MODEL_DIGEST_KEY = "sha256";

/**
 * The digest a model file carries in `__metadata__.sha256`: hex sha256 of its other metadata
 * entries (as JSON `[[key, value], …]`, sorted by key), then of its tensors (`hashTensors`, file order).
 */
export function modelDigest(
  tensors: ReadonlyMap<string, DigestTensor>,
  metadata: Readonly<Record<string, string>>,
): string {
  const entries = Object.entries(metadata)
    .filter(([key]) => key !== MODEL_DIGEST_KEY)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hasher = sha256.create();
  hasher.update(new TextEncoder().encode(JSON.stringify(entries)));
  hashTensors(tensors, hasher);
  return bytesToHex(hasher.digest());
}
