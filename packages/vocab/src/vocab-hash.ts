import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { VocabLevel } from "./types";

/**
 * The content hash of a vocabulary: `"sha256:<hex>"` of the UTF-8 bytes of
 * `JSON.stringify(["charrnn-vocab/1", level, tokens, unk, eos])` (`unk`/`eos` ids or `null`).
 * An array keeps the serialisation independent of key order, so any tool can recompute it.
 */
export function vocabHash(
  level: VocabLevel,
  tokens: readonly string[],
  unk: number | null,
  eos: number | null,
): string {
  const canonical = JSON.stringify(["charrnn-vocab/1", level, tokens, unk, eos]);
  return `sha256:${bytesToHex(sha256(new TextEncoder().encode(canonical)))}`;
}
