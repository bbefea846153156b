import { BYTE_CHARS, encodeWtf8, Wtf8Decoder } from "./bpe-bytes";
import { type BpeMerge, pairKey } from "./bpe-learn";
import { PieceSplitter } from "./bpe-pieces";
import type { TokenCounter, TokenEncoder } from "./types";

/** Pieces cached per encoder table before the cache is cleared (bounds memory on huge corpora). */
const CACHE_LIMIT = 65536;

/** What a BPE vocab derives from its merges: token texts and bytes, and merge ranks. */
export class BpeTables {
  /** Token text (bytes shown through `BYTE_CHARS`), in id order. */
  readonly texts: string[];
  /** Bytes of each token, in id order. */
  readonly bytes: Uint8Array[];
  /** pairKey(left, right) → id of the merged token; a lower id is an earlier (higher-rank) merge. */
  readonly #ranks = new Map<number, number>();
  readonly #cache = new Map<string, number[]>();
  readonly #merges: readonly BpeMerge[];

  constructor(merges: readonly BpeMerge[]) {
    this.#merges = merges;
    this.texts = [...BYTE_CHARS];
    this.bytes = BYTE_CHARS.map((_, b) => Uint8Array.of(b));
    merges.forEach(([a, b], i) => {
      const id = 256 + i;
      this.texts.push(this.texts[a]! + this.texts[b]!);
      const joined = new Uint8Array(this.bytes[a]!.length + this.bytes[b]!.length);
      joined.set(this.bytes[a]!);
      joined.set(this.bytes[b]!, this.bytes[a]!.length);
      this.bytes.push(joined);
      this.#ranks.set(pairKey(a, b), id);
    });
  }

  /** Ids of one piece: its bytes, then repeatedly the earliest-learned adjacent pair merged. */
  encodePiece(piece: string): number[] {
    const cached = this.#cache.get(piece);
    if (cached) return cached;
    const ids = encodeWtf8(piece);
    for (;;) {
      let best = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const id = this.#ranks.get(pairKey(ids[i]!, ids[i + 1]!));
        if (id !== undefined && (best < 0 || id < best)) best = id;
      }
      if (best < 0) break;
      const [a, b] = this.#merges[best - 256]!;
      let n = 0;
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] === a && ids[i + 1] === b) {
          ids[n++] = best;
          i++;
        } else ids[n++] = ids[i]!;
      }
      ids.length = n;
    }
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(piece, ids);
    return ids;
  }
}

/** A streaming BPE encoder: pieces cut by a chunk boundary wait for the next chunk. */
export class BpeEncoder implements TokenEncoder {
  readonly #tables: BpeTables;
  readonly #splitter = new PieceSplitter();

  constructor(tables: BpeTables) {
    this.#tables = tables;
  }

  push(chunk: string): Int32Array {
    const out: number[] = [];
    this.#splitter.push(chunk, (piece) => {
      for (const id of this.#tables.encodePiece(piece)) out.push(id);
    });
    return Int32Array.from(out);
  }

  end(): Int32Array {
    const out: number[] = [];
    this.#splitter.end((piece) => {
      for (const id of this.#tables.encodePiece(piece)) out.push(id);
    });
    return Int32Array.from(out);
  }
}

/** Counts the pieces of a streamed text: what `learnMerges` learns from. */
export class PieceCounter implements TokenCounter {
  readonly #counts = new Map<string, number>();
  readonly #splitter = new PieceSplitter();
  readonly #count = (piece: string): void => {
    this.#counts.set(piece, (this.#counts.get(piece) ?? 0) + 1);
  };

  push(chunk: string): void {
    this.#splitter.push(chunk, this.#count);
  }

  end(): Map<string, number> {
    this.#splitter.end(this.#count);
    return new Map(this.#counts);
  }
}

/**
 * Decodes BPE ids that arrive in pieces: a character whose bytes are split between tokens is held
 * until complete (see `Wtf8Decoder`), so a sampled stream can be printed token by token.
 */
export class BpeDecoder {
  readonly #bytes: readonly Uint8Array[];
  readonly #utf8 = new Wtf8Decoder();
  readonly #onBadId: (id: number, position: number) => never;
  #position = 0;

  constructor(tables: BpeTables, onBadId: (id: number, position: number) => never) {
    this.#bytes = tables.bytes;
    this.#onBadId = onBadId;
  }

  push(ids: ArrayLike<number>): string {
    let text = "";
    for (let i = 0; i < ids.length; i++, this.#position++) {
      const bytes = this.#bytes[ids[i]!] ?? this.#onBadId(ids[i]!, this.#position);
      text += this.#utf8.push(bytes);
    }
    return text;
  }

  end(): string {
    return this.#utf8.end();
  }
}
