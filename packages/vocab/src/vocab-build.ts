import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import { BpeTables } from "./bpe-codec";
import { type BpeMerge, learnMerges, MAX_BPE_SIZE } from "./bpe-learn";
import { compareCodePoints } from "./code-point";
import type { VocabLevel } from "./types";
import { CHAR_UNK_TOKEN, EOS_TOKEN, UNK_TOKEN } from "./types";

/** Options of `Vocab.fromText` / `Vocab.fromCounts`. */
export interface VocabBuildOptions {
  /** @defaultValue `"char"` */
  level?: VocabLevel;
  /**
   * Most tokens in the vocab, special tokens included; the rest map to the unk token. For `"bpe"`
   * the vocab size to learn (256 byte tokens + merges; fewer when no pair occurs twice).
   * @defaultValue unbounded (char, word), {@link DEFAULT_BPE_SIZE} (bpe)
   */
  maxSize?: number;
  /** Tokens seen fewer times map to the unk token. @defaultValue 1 */
  minCount?: number;
  /**
   * Char level only: add the unk token U+FFFD at id 0, so `oov: "unk"` works and `maxSize` /
   * `minCount` can drop rare characters. Word vocabs always have `<unk>` (id 0) and `<eos>` (id 1).
   * @defaultValue false
   */
  unk?: boolean;
}

/** Vocab size a BPE vocab learns when `maxSize` is not given. */
export const DEFAULT_BPE_SIZE = 512;

/** Tokens in id order with their counts, as `Vocab.fromCounts` lays them out. */
export interface BuiltVocab {
  level: VocabLevel;
  tokens: string[];
  counts: number[];
  unkId: number | undefined;
  eosId: number | undefined;
  /** BPE only. */
  merges?: BpeMerge[];
}

/**
 * Lays out a vocab from token counts, deterministically whatever the Map's insertion order.
 * Char: code points sorted by code point (after U+FFFD at id 0 when `unk`). Word: `<unk>` id 0,
 * `<eos>` id 1, then words by descending count, ties in code-point order. The unk token's count
 * includes every occurrence of the tokens that were dropped.
 */
export function buildVocab(counts: ReadonlyMap<string, number>, options: VocabBuildOptions = {}): BuiltVocab {
  const level = options.level ?? "char";
  if (level === "bpe") return buildBpe(counts, options);
  if (level !== "char" && level !== "word") {
    throw new CharrnnRangeError("level", '"char", "word" or "bpe"', level);
  }
  const minCount = options.minCount ?? 1;
  if (!Number.isInteger(minCount) || minCount < 1) {
    throw new CharrnnRangeError("minCount", "an integer >= 1", minCount);
  }
  const specials = level === "word" ? [UNK_TOKEN, EOS_TOKEN] : options.unk ? [CHAR_UNK_TOKEN] : [];
  const maxSize = options.maxSize ?? Number.POSITIVE_INFINITY;
  const minSize = Math.max(1, specials.length);
  if (maxSize !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxSize) || maxSize < minSize)) {
    throw new CharrnnRangeError("maxSize", `an integer >= ${minSize}`, maxSize);
  }
  if (counts.size === 0) {
    throw new CharrnnError(
      "VOCAB_EMPTY",
      "cannot build a vocab from empty text; give a corpus with some text",
    );
  }

  let dropped = 0;
  const candidates: [string, number][] = [];
  for (const [token, count] of counts) {
    if (specials.includes(token)) continue;
    if (count >= minCount) candidates.push([token, count]);
    else dropped += count;
  }
  candidates.sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
  const room = maxSize - specials.length;
  if (candidates.length > room) {
    for (let i = room; i < candidates.length; i++) dropped += candidates[i]![1];
    candidates.length = room;
  }
  if (dropped > 0 && specials.length === 0) {
    throw new CharrnnError(
      "VOCAB_NO_UNK",
      `maxSize/minCount would drop characters from a char vocab without an unk token; build with { unk: true }`,
    );
  }
  if (level === "char") candidates.sort((a, b) => compareCodePoints(a[0], b[0]));

  const tokens = [...specials];
  const tokenCounts = specials.map((t) => counts.get(t) ?? 0);
  if (specials.length > 0) tokenCounts[0]! += dropped;
  for (const [token, count] of candidates) {
    tokens.push(token);
    tokenCounts.push(count);
  }
  return {
    level,
    tokens,
    counts: tokenCounts,
    unkId: specials.length > 0 ? 0 : undefined,
    eosId: level === "word" ? 1 : undefined,
  };
}

/** BPE from piece counts (see `PieceCounter`); token counts are those of the corpus encoded. */
function buildBpe(pieces: ReadonlyMap<string, number>, options: VocabBuildOptions): BuiltVocab {
  const size = options.maxSize ?? DEFAULT_BPE_SIZE;
  if (!Number.isInteger(size) || size < 256 || size > MAX_BPE_SIZE) {
    throw new CharrnnRangeError("maxSize", `an integer in [256, ${MAX_BPE_SIZE}] for a bpe vocab`, size);
  }
  if (options.unk || (options.minCount ?? 1) !== 1) {
    throw new CharrnnError(
      "OPTION_RANGE",
      "a bpe vocab represents every byte, so it takes no unk token nor minCount; drop those options",
    );
  }
  if (pieces.size === 0) {
    throw new CharrnnError(
      "VOCAB_EMPTY",
      "cannot build a vocab from empty text; give a corpus with some text",
    );
  }
  const merges = learnMerges(pieces, size);
  const tables = new BpeTables(merges);
  const counts = new Array<number>(tables.texts.length).fill(0);
  for (const [piece, count] of pieces) for (const id of tables.encodePiece(piece)) counts[id]! += count;
  return { level: "bpe", tokens: tables.texts, counts, unkId: undefined, eosId: undefined, merges };
}
