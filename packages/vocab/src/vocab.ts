import { CharrnnError } from "@charrnn/core";
import { createTokenCounter, createTokenEncoder, type EncoderTables } from "./encoder";
import type { OovPolicy, TokenEncoder, VocabJSON, VocabLevel } from "./types";
import { EOS_TOKEN } from "./types";
import { buildVocab, type VocabBuildOptions } from "./vocab-build";
import { vocabHash } from "./vocab-hash";
import { parseVocabJSON, type VocabFromJSONOptions } from "./vocab-json";
import { WordScanner } from "./word-scanner";

/** Options of {@link Vocab.encode}. */
export interface EncodeOptions {
  /** @defaultValue `"error"` */
  oov?: OovPolicy;
}

/**
 * A vocabulary: tokens ↔ ids. Built from text deterministically (the same corpus gives the same
 * ids everywhere), or loaded from its JSON form, whose content hash is checked.
 *
 * @example
 * const vocab = Vocab.fromText("hello 👋");
 * vocab.decode(vocab.encode("hello")) === "hello";
 */
export class Vocab {
  readonly level: VocabLevel;
  /** Tokens in id order. */
  readonly tokens: readonly string[];
  readonly size: number;
  /** Id of the unk token: `<unk>` (word) or U+FFFD (char built with `{ unk: true }`). */
  readonly unkId: number | undefined;
  /** Id of `<eos>`, the newline of a word vocab. */
  readonly eosId: number | undefined;
  /** `"sha256:<hex>"` of the canonical content (see `vocabHash`). */
  readonly hash: string;
  /**
   * How often each token occurred in the text the vocab was built from, aligned with ids (the unk
   * token counts every dropped token). Absent for a vocab loaded from JSON.
   */
  readonly counts: readonly number[] | undefined;
  readonly #tables: EncoderTables;

  private constructor(
    level: VocabLevel,
    tokens: readonly string[],
    unkId: number | undefined,
    eosId: number | undefined,
    counts?: readonly number[],
  ) {
    this.level = level;
    this.tokens = Object.freeze([...tokens]);
    this.size = tokens.length;
    this.unkId = unkId;
    this.eosId = eosId;
    this.counts = counts && Object.freeze([...counts]);
    this.hash = vocabHash(level, this.tokens, unkId ?? null, eosId ?? null);
    const latin1 = new Int32Array(256).fill(-1);
    const byCodePoint = new Map<number, number>();
    const byToken = new Map<string, number>();
    tokens.forEach((token, id) => {
      byToken.set(token, id);
      if (level === "char") {
        const cp = token.codePointAt(0)!;
        if (cp < 256) latin1[cp] = id;
        else byCodePoint.set(cp, id);
      }
    });
    this.#tables = { level, latin1, byCodePoint, byToken, unkId, eosId };
  }

  /** Builds a vocab from text (see {@link VocabBuildOptions} for the layout). */
  static fromText(text: string, options: VocabBuildOptions = {}): Vocab {
    const counter = createTokenCounter(options.level ?? "char");
    counter.push(text);
    return Vocab.fromCounts(counter.end(), options);
  }

  /**
   * Builds a vocab from token counts, e.g. those of a `createTokenCounter` fed a file chunk by
   * chunk. Word counts hold newlines under `"<eos>"`.
   */
  static fromCounts(counts: ReadonlyMap<string, number>, options: VocabBuildOptions = {}): Vocab {
    const built = buildVocab(counts, options);
    return new Vocab(built.level, built.tokens, built.unkId, built.eosId, built.counts);
  }

  /**
   * Loads a vocab from its JSON form (object, or its text), checking it and its hash, or from a
   * plain array of tokens (index = id) as other tools write it.
   */
  static fromJSON(json: VocabJSON | readonly string[] | string, options: VocabFromJSONOptions = {}): Vocab {
    const content = parseVocabJSON(json, options);
    return new Vocab(content.level, content.tokens, content.unkId, content.eosId);
  }

  /** Code points (char), or words with `"<eos>"` for each newline (word). */
  tokenize(text: string): string[] {
    if (this.level === "char") return Array.from(text);
    const out: string[] = [];
    const scanner = new WordScanner({ word: (w) => out.push(w), newline: () => out.push(EOS_TOKEN) });
    scanner.push(text);
    scanner.end();
    return out;
  }

  /** Token ids of `text`; unknown tokens follow `oov` (default `"error"`). */
  encode(text: string, options: EncodeOptions = {}): Int32Array {
    const encoder = this.encoder(options);
    const head = encoder.push(text);
    const tail = encoder.end();
    if (tail.length === 0) return head;
    const ids = new Int32Array(head.length + tail.length);
    ids.set(head);
    ids.set(tail, head.length);
    return ids;
  }

  /**
   * A streaming encoder for text that arrives in chunks: a surrogate pair or a word cut by a chunk
   * boundary is completed by the next chunk, and OOV positions count from the start of the stream.
   */
  encoder(options: EncodeOptions = {}): TokenEncoder {
    return createTokenEncoder(this.#tables, options.oov ?? "error");
  }

  /** Text of `ids`: concatenated (char), or joined by spaces with `<eos>` as a bare newline (word). */
  decode(ids: ArrayLike<number>): string {
    const tokens = this.tokens;
    const parts: string[] = new Array(ids.length);
    const word = this.level === "word";
    let lineStart = true;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const token = tokens[id];
      if (token === undefined) {
        throw new CharrnnError(
          "VOCAB_ID_RANGE",
          `token id ${id} at position ${i} is not in [0, ${this.size - 1}]; was this model built with another vocab?`,
        );
      }
      if (!word) parts[i] = token;
      else if (id === this.eosId) {
        parts[i] = "\n";
        lineStart = true;
      } else {
        parts[i] = lineStart ? token : ` ${token}`;
        lineStart = false;
      }
    }
    return parts.join("");
  }

  /** Id of `token`, or undefined. */
  idOf(token: string): number | undefined {
    return this.#tables.byToken.get(token);
  }

  /** The stable JSON form: `{ format: "charrnn-vocab", version: 1, level, tokens, unk, eos, hash }`. */
  toJSON(): VocabJSON {
    return {
      format: "charrnn-vocab",
      version: 1,
      level: this.level,
      tokens: [...this.tokens],
      unk: this.unkId ?? null,
      eos: this.eosId ?? null,
      hash: this.hash,
    };
  }
}
