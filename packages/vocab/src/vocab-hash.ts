import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { VocabLevel } from "./types";

/**
 * The content hash of a vocabulary: `"sha256:<hex>"` of the UTF-8 bytes of
 * `JSON.stringify(["charrnn-vocab/1", level, tokens, unk, eos])` (`unk`/`eos` ids or `null`).
 * An array keeps the serialisation independent of key order, so any tool can recompute it. A BPE
 * vocab appends its merges (`[[left, right], …]`) as a sixth element; char and word hashes are
 * unchanged.
 */
export function vocabHash(
  level: VocabLevel,
  tokens: readonly string[],
  unk: number | null,
  eos: number | null,
  merges?: readonly (readonly [number, number])[],
): string {
  const content: unknown[] = ["charrnn-vocab/1", level, tokens, unk, eos];
  if (merges) content.push(merges);
  const canonical = JSON.stringify(content);
  return `sha256:${bytesToHex(sha256(new TextEncoder().encode(canonical)))}`;
}
