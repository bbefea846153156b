import { CharrnnError } from "@charrnn/core";
import { BpeDecoder, BpeEncoder, BpeTables } from "./bpe-codec";
import type { BpeMerge } from "./bpe-learn";
import { createTokenCounter, createTokenEncoder, type EncoderTables } from "./encoder";
import type { OovPolicy, TokenDecoder, TokenEncoder, VocabJSON, VocabLevel } from "./types";
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
 * const bpe = Vocab.fromText(corpus, { level: "bpe", maxSize: 1000 });
 * bpe.decode(bpe.encode("any text, 👩‍👩‍👧 included")) === "any text, 👩‍👩‍👧 included";
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
  /** BPE only: `[left, right]` ids of merge `i`, which makes token `256 + i`. */
  readonly merges: readonly BpeMerge[] | undefined;
  readonly #tables: EncoderTables;
  readonly #bpe: BpeTables | undefined;

  private constructor(
    level: VocabLevel,
    tokens: readonly string[],
    unkId: number | undefined,
    eosId: number | undefined,
    counts?: readonly number[],
    merges?: readonly BpeMerge[],
  ) {
    this.level = level;
    this.tokens = Object.freeze([...tokens]);
    this.size = tokens.length;
    this.unkId = unkId;
    this.eosId = eosId;
    this.counts = counts && Object.freeze([...counts]);
    this.merges = merges && Object.freeze(merges.map(([a, b]) => Object.freeze([a, b] as const)));
    this.#bpe = merges && new BpeTables(merges);
    this.hash = vocabHash(level, this.tokens, unkId ?? null, eosId ?? null, this.merges);
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
    return new Vocab(built.level, built.tokens, built.unkId, built.eosId, built.counts, built.merges);
  }

  /**
   * Loads a vocab from its JSON form (object, or its text), checking it and its hash, or from a
   * plain array of tokens (index = id) as other tools write it.
   */
  static fromJSON(json: VocabJSON | readonly string[] | string, options: VocabFromJSONOptions = {}): Vocab {
    const content = parseVocabJSON(json, options);
    return new Vocab(content.level, content.tokens, content.unkId, content.eosId, undefined, content.merges);
  }

  /** Code points (char), words with `"<eos>"` for each newline (word), or token texts (bpe). */
  tokenize(text: string): string[] {
    if (this.level === "char") return Array.from(text);
    if (this.level === "bpe") return Array.from(this.encode(text), (id) => this.tokens[id]!);
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
    // Every byte is a token, so a bpe vocab has no OOV and the policy never applies.
    if (this.#bpe) return new BpeEncoder(this.#bpe);
    return createTokenEncoder(this.#tables, options.oov ?? "error");
  }

  /**
   * Text of `ids`: concatenated (char), joined by spaces with `<eos>` as a bare newline (word), or
   * the UTF-8 of the tokens' bytes (bpe; a character left incomplete at the end becomes U+FFFD).
   */
  decode(ids: ArrayLike<number>): string {
    if (this.#bpe) {
      const decoder = this.decoder();
      return decoder.push(ids) + decoder.end();
    }
    const tokens = this.tokens;
    const parts: string[] = new Array(ids.length);
    const word = this.level === "word";
    let lineStart = true;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const token = tokens[id];
      if (token === undefined) this.#badId(id, i);
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

  /**
   * A streaming decoder for ids that arrive one by one (sampling). A bpe token can end inside a
   * character; its bytes are held until the next tokens complete it, and `end` turns a still
   * incomplete tail into U+FFFD. Word ids are joined by spaces within one push only.
   */
  decoder(): TokenDecoder {
    if (this.#bpe) return new BpeDecoder(this.#bpe, (id, position) => this.#badId(id, position));
    return { push: (ids) => this.decode(ids), end: () => "" };
  }

  #badId(id: number, position: number): never {
    throw new CharrnnError(
      "VOCAB_ID_RANGE",
      `token id ${id} at position ${position} is not in [0, ${this.size - 1}]; was this model built with another vocab?`,
    );
  }

  /** Id of `token`, or undefined. */
  idOf(token: string): number | undefined {
    return this.#tables.byToken.get(token);
  }

  /** The stable JSON form: `{ format: "charrnn-vocab", version: 1, level, tokens, unk, eos, hash }`. */
  toJSON(): VocabJSON {
    const json: VocabJSON = {
      format: "charrnn-vocab",
      version: 1,
      level: this.level,
      tokens: [...this.tokens],
      unk: this.unkId ?? null,
      eos: this.eosId ?? null,
    };
    if (this.merges) json.merges = this.merges.map(([a, b]) => [a, b]);
    json.hash = this.hash;
    return json;
  }
}
