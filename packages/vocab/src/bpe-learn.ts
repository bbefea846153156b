import { BYTE_CHARS, encodeWtf8 } from "./bpe-bytes";

/** A merge: the ids of the left and right token; merge `i` makes token `256 + i`. */
export type BpeMerge = readonly [number, number];

/** Largest BPE vocab: keeps a pair of ids packable into one number key. */
export const MAX_BPE_SIZE = 1 << 20;

/** Packs a pair of ids into one Map key; (a, b) order is key order. */
export const pairKey = (a: number, b: number): number => a * MAX_BPE_SIZE + b;

/**
 * Learns byte-level BPE merges from piece counts (see `PieceSplitter`) until the vocab has `size`
 * tokens (256 bytes + merges) or no pair occurs twice. Each step merges the most frequent adjacent
 * pair; ties go to the smallest left id, then the smallest right id (byte values for single bytes,
 * earlier merges before later ones). A pair whose bytes equal an existing token's is skipped, so
 * every token's text is unique. Counts are summed over pieces, so the result does not depend on the
 * order of the Map nor on how the corpus was chunked.
 */
export function learnMerges(pieces: ReadonlyMap<string, number>, size: number): BpeMerge[] {
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [piece, count] of pieces) {
    words.push(encodeWtf8(piece));
    freq.push(count);
  }
  const pairCounts = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const add = (w: number, sign: number): void => {
    const word = words[w]!;
    for (let i = 0; i + 1 < word.length; i++) {
      const key = pairKey(word[i]!, word[i + 1]!);
      const next = (pairCounts.get(key) ?? 0) + sign * freq[w]!;
      if (next === 0) pairCounts.delete(key);
      else pairCounts.set(key, next);
      if (sign > 0) {
        let set = where.get(key);
        if (!set) {
          set = new Set();
          where.set(key, set);
        }
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) add(w, 1);

  const texts = [...BYTE_CHARS];
  const known = new Set(texts);
  const banned = new Set<number>();
  const merges: BpeMerge[] = [];
  while (256 + merges.length < size) {
    let bestKey = -1;
    let bestCount = 1;
    for (const [key, count] of pairCounts) {
      if (count > bestCount || (count === bestCount && key < bestKey)) {
        if (banned.has(key)) continue;
        bestKey = key;
        bestCount = count;
      }
    }
    if (bestKey < 0) break;
    const a = Math.floor(bestKey / MAX_BPE_SIZE);
    const b = bestKey % MAX_BPE_SIZE;
    const text = texts[a]! + texts[b]!;
    if (known.has(text)) {
      banned.add(bestKey);
      continue;
    }
    const id = 256 + merges.length;
    merges.push([a, b]);
    texts.push(text);
    known.add(text);
    for (const w of where.get(bestKey) ?? []) {
      const word = words[w]!;
      add(w, -1);
      const merged: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (word[i] === a && word[i + 1] === b) {
          merged.push(id);
          i++;
        } else merged.push(word[i]!);
      }
      words[w] = merged;
      add(w, 1);
    }
    where.delete(bestKey);
  }
  return merges;
}
