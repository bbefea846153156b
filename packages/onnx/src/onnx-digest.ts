import { CharrnnError } from "@charrnn/core";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { onnx } from "onnx-proto";
import { proto } from "./proto";

/** The `metadata_props` key of an exported file's digest. */
export const ONNX_DIGEST_KEY = "charrnn.sha256";

/** Tag of `ModelProto.metadata_props` (field 14, length-delimited). */
const METADATA_PROPS_TAG = (14 << 3) | 2;

/**
 * Encodes `model` with a last `metadata_props` entry `charrnn.sha256`: the hex sha256 of the file
 * as it would be without that entry, so the entry can be cut out again and the rest hashed.
 */
export function encodeWithDigest(model: onnx.IModelProto): Uint8Array {
  const without = proto.ModelProto.encode(model).finish();
  const digest = bytesToHex(sha256(without));
  const metadataProps = [...(model.metadataProps ?? []), { key: ONNX_DIGEST_KEY, value: digest }];
  return proto.ModelProto.encode({ ...model, metadataProps }).finish();
}

/**
 * Checks the digest of a file whose metadata carries one (`digest`, the decoded value): its encoded
 * entry must occur exactly once, and the file without it must hash to it. A mismatch is the one-line
 * `ONNX_INVALID` "damaged" error naming `source`. Files without a digest (other tools) are not checked.
 */
export function checkOnnxDigest(bytes: Uint8Array, digest: string, source: string): void {
  const entry = proto.StringStringEntryProto.encode({ key: ONNX_DIGEST_KEY, value: digest }).finish();
  const field = new Uint8Array(2 + entry.length);
  field[0] = METADATA_PROPS_TAG;
  field[1] = entry.length; // < 128: a one-byte varint for a 64-character digest
  field.set(entry, 2);
  const at = entry.length < 128 ? indexOf(bytes, field) : -1;
  const damaged = (): CharrnnError =>
    new CharrnnError(
      "ONNX_INVALID",
      `${source} is damaged: its bytes do not match the sha256 digest it carries (${ONNX_DIGEST_KEY}); re-export it`,
    );
  if (at < 0 || indexOf(bytes, field, at + 1) >= 0) throw damaged();
  const rest = new Uint8Array(bytes.length - field.length);
  rest.set(bytes.subarray(0, at));
  rest.set(bytes.subarray(at + field.length), at);
  if (bytesToHex(sha256(rest)) !== digest) throw damaged();
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0]!;
  const last = haystack.length - needle.length;
  outer: for (
    let i = haystack.indexOf(first, from);
    i >= 0 && i <= last;
    i = haystack.indexOf(first, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
