/**
 * What to do with a token the vocabulary does not hold: `"error"` throws a `VocabOovError` naming it
 * and its position, `"unk"` maps it to the vocab's unk token, `"skip"` drops it.
 */
export type OovPolicy = "error" | "unk" | "skip";

/**
 * `"char"`: one token per Unicode code point. `"word"`: whitespace-separated words plus `<eos>`.
 * `"bpe"`: byte-level byte-pair encoding: 256 byte tokens plus learned merges (no unk needed).
 */
export type VocabLevel = "char" | "word" | "bpe";

/** The unknown-word token of a word vocab (id 0). */
export const UNK_TOKEN = "<unk>";
/** The end-of-line token of a word vocab (id 1); a newline in the text. */
export const EOS_TOKEN = "<eos>";
/** The unknown-character token of a char vocab built with `{ unk: true }` (id 0): U+FFFD. */
export const CHAR_UNK_TOKEN = "\uFFFD";

/** The stable on-disk form of a vocabulary. `unk`/`eos` are token ids or `null`. */
export interface VocabJSON {
  format: "charrnn-vocab";
  version: 1;
  level: VocabLevel;
  tokens: string[];
  unk: number | null;
  eos: number | null;
  /** BPE only: `[left, right]` token ids of merge `i`, which makes token `256 + i`. */
  merges?: [number, number][];
  /** `"sha256:<hex>"` of the canonical content; checked by `Vocab.fromJSON` when present. */
  hash?: string;
}

/** Encodes text that arrives in pieces; `push` returns the ids completed so far, `end` the rest. */
export interface TokenEncoder {
  push(chunk: string): Int32Array;
  end(): Int32Array;
}

/** Decodes ids that arrive in pieces; `end` flushes what a BPE stream held back (a cut character). */
export interface TokenDecoder {
  push(ids: ArrayLike<number>): string;
  end(): string;
}

/** Counts tokens of text that arrives in pieces (see `Vocab.fromCounts`). */
export interface TokenCounter {
  push(chunk: string): void;
  /** Flushes a word or surrogate held back at a chunk end and returns the counts (token → count). */
  end(): Map<string, number>;
}
