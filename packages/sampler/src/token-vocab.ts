import { CharrnnError } from "@charrnn/core";
import type { OovPolicy, VocabLevel } from "@charrnn/vocab";

export type { OovPolicy };

/**
 * What the sampler needs of a vocabulary. `Vocab` from `@charrnn/vocab` satisfies it; any object with
 * these members (another tool's vocabulary) works too.
 */
export interface TokenVocab {
  readonly level: VocabLevel;
  readonly size: number;
  readonly tokens: readonly string[];
  readonly eosId: number | undefined;
  /** The `<unk>` id, when the vocabulary has one (word vocabs do). */
  readonly unkId?: number | undefined;
  encode(text: string, options?: { oov?: OovPolicy }): Int32Array;
  decode(ids: ArrayLike<number>): string;
  idOf(token: string): number | undefined;
  /** A streaming decoder (needed for `"bpe"`, whose tokens can end inside a character). */
  decoder?(): { push(ids: ArrayLike<number>): string; end(): string };
}

/** Turns sampled ids into text one token at a time; `end` flushes what a bpe stream held back. */
export interface PieceDecoder {
  push(id: number): string;
  end(): string;
}

/**
 * A piece decoder continuing after token `prev`. A bpe token can end inside a character, so its
 * bytes are held until the character completes (and become U+FFFD only at the end of the sample).
 */
export function pieceDecoder(vocab: TokenVocab, prev: number): PieceDecoder {
  if (vocab.level === "bpe") {
    if (!vocab.decoder) {
      throw new CharrnnError(
        "VOCAB_INVALID",
        "a bpe vocabulary must provide decoder(); pass a Vocab from @charrnn/vocab",
      );
    }
    const decoder = vocab.decoder();
    return { push: (id) => decoder.push([id]), end: () => decoder.end() };
  }
  let last = prev;
  return {
    push(id) {
      const piece = tokenPiece(vocab, last, id);
      last = id;
      return piece;
    },
    end: () => "",
  };
}

/**
 * Decodes one token as it continues the text so far: for char vocabs the token itself, for word
 * vocabs whatever separator `decode` puts between `prev` and `id` plus the word.
 */
export function tokenPiece(vocab: TokenVocab, prev: number, id: number): string {
  if (vocab.level === "bpe") return vocab.decode([id]);
  if (vocab.level === "char") return vocab.tokens[id] ?? "";
  if (prev < 0) return vocab.decode([id]);
  return vocab.decode([prev, id]).slice(vocab.decode([prev]).length);
}

/**
 * The OOV policy when the caller gives none: word vocabs map unknown words to their `<unk>` (a
 * prime or text naturally holds words the vocabulary dropped); char vocabs fail, naming the character.
 */
export function defaultOov(vocab: TokenVocab): OovPolicy {
  return vocab.level === "word" && vocab.unkId !== undefined ? "unk" : "error";
}

/** Resolves a token given as an id or as its text; `option` names it in errors. */
export function resolveToken(vocab: TokenVocab, token: number | string, option: string): number {
  const id = typeof token === "number" ? token : vocab.idOf(token);
  if (id === undefined || !Number.isInteger(id) || id < 0 || id >= vocab.size) {
    throw new CharrnnError(
      "TOKEN_RANGE",
      `${option} ${JSON.stringify(token)} is not a token of this ${vocab.size}-token vocabulary`,
    );
  }
  return id;
}

/** Throws when the model and the vocabulary disagree on the number of tokens. */
export function checkVocabSize(modelVocab: number, vocab: TokenVocab): void {
  if (modelVocab !== vocab.size) {
    throw new CharrnnError(
      "VOCAB_SIZE_MISMATCH",
      `the model predicts ${modelVocab} tokens but the vocabulary has ${vocab.size}; load the vocab saved with the model`,
    );
  }
}
