import { CharrnnError } from "@charrnn/core";
import { PieceCounter } from "./bpe-codec";
import { CodePointSplitter, describeCodePoint } from "./code-point";
import { VocabOovError } from "./errors";
import type { OovPolicy, TokenCounter, TokenEncoder, VocabLevel } from "./types";
import { EOS_TOKEN } from "./types";
import { WordScanner } from "./word-scanner";

/** The lookup tables a vocab hands its encoders. */
export interface EncoderTables {
  readonly level: VocabLevel;
  /** Ids of code points below 256 (-1 where absent): the common case without a Map lookup. */
  readonly latin1: Int32Array;
  readonly byCodePoint: ReadonlyMap<number, number>;
  readonly byToken: ReadonlyMap<string, number>;
  readonly unkId: number | undefined;
  readonly eosId: number | undefined;
}

const SKIP = -1;

/** Creates a streaming encoder; `oov: "unk"` needs a vocab with an unk token. */
export function createTokenEncoder(tables: EncoderTables, oov: OovPolicy): TokenEncoder {
  if (oov !== "error" && oov !== "unk" && oov !== "skip") {
    throw new CharrnnError(
      "OPTION_RANGE",
      `oov must be "error", "unk" or "skip", got ${JSON.stringify(oov)}`,
    );
  }
  if (oov === "unk" && tables.unkId === undefined) {
    throw new CharrnnError(
      "VOCAB_NO_UNK",
      `oov policy "unk" needs a vocab with an unk token, and this ${tables.level} vocab has none; ` +
        `build it with { unk: true } or use oov "error" or "skip"`,
    );
  }
  const unknown = oov === "unk" ? tables.unkId! : SKIP;
  return tables.level === "char"
    ? new CharEncoder(tables, oov === "error", unknown)
    : new WordEncoder(tables, oov === "error", unknown);
}

class CharEncoder implements TokenEncoder {
  readonly #latin1: Int32Array;
  readonly #map: ReadonlyMap<number, number>;
  readonly #strict: boolean;
  readonly #unknown: number;
  readonly #splitter = new CodePointSplitter();
  #index = 0;
  #line = 1;
  #lineStart = 0;

  constructor(tables: EncoderTables, strict: boolean, unknown: number) {
    this.#latin1 = tables.latin1;
    this.#map = tables.byCodePoint;
    this.#strict = strict;
    this.#unknown = unknown;
  }

  push(chunk: string): Int32Array {
    const out = new Int32Array(chunk.length + 1);
    let n = 0;
    this.#splitter.push(chunk, (cp) => {
      const id = this.#idOf(cp);
      if (id >= 0) out[n++] = id;
    });
    return out.slice(0, n);
  }

  end(): Int32Array {
    const out: number[] = [];
    this.#splitter.end((cp) => {
      const id = this.#idOf(cp);
      if (id >= 0) out.push(id);
    });
    return Int32Array.from(out);
  }

  #idOf(cp: number): number {
    let id = cp < 256 ? this.#latin1[cp]! : (this.#map.get(cp) ?? -1);
    if (id < 0) {
      if (this.#strict) {
        const column = this.#index - this.#lineStart + 1;
        const token = String.fromCodePoint(cp);
        throw new VocabOovError(token, this.#index, this.#line, column, `character ${describeCodePoint(cp)}`);
      }
      id = this.#unknown;
    }
    if (cp === 10) {
      this.#line++;
      this.#lineStart = this.#index + 1;
    }
    this.#index++;
    return id;
  }
}

class WordEncoder implements TokenEncoder {
  readonly #tables: EncoderTables;
  readonly #strict: boolean;
  readonly #unknown: number;
  readonly #scanner: WordScanner;
  #out: number[] = [];

  constructor(tables: EncoderTables, strict: boolean, unknown: number) {
    this.#tables = tables;
    this.#strict = strict;
    this.#unknown = unknown;
    this.#scanner = new WordScanner({
      word: (word, index, line, column) => this.#emit(word, false, index, line, column),
      newline: (index, line, column) => this.#emit(EOS_TOKEN, true, index, line, column),
    });
  }

  push(chunk: string): Int32Array {
    this.#scanner.push(chunk);
    return this.#take();
  }

  end(): Int32Array {
    this.#scanner.end();
    return this.#take();
  }

  #take(): Int32Array {
    const ids = Int32Array.from(this.#out);
    this.#out = [];
    return ids;
  }

  // The literal words "<unk>" and "<eos>" (PTB text holds "<unk>") are the special tokens themselves.
  #emit(token: string, isNewline: boolean, index: number, line: number, column: number): void {
    const id = this.#tables.byToken.get(token);
    if (id !== undefined) {
      this.#out.push(id);
      return;
    }
    if (this.#strict) {
      const what = isNewline ? `newline ("\\n", no ${EOS_TOKEN} token)` : `word ${JSON.stringify(token)}`;
      throw new VocabOovError(isNewline ? "\n" : token, index, line, column, what);
    }
    if (this.#unknown !== SKIP) this.#out.push(this.#unknown);
  }
}

/**
 * Creates a streaming token counter for `level`. A `"bpe"` counter counts pieces (a space plus a
 * word, or one whitespace character), from which `Vocab.fromCounts` learns the merges.
 */
export function createTokenCounter(level: VocabLevel): TokenCounter {
  if (level === "bpe") return new PieceCounter();
  return level === "char" ? new CharCounter() : new WordCounter();
}

class CharCounter implements TokenCounter {
  readonly #counts = new Map<number, number>();
  readonly #splitter = new CodePointSplitter();
  readonly #count = (cp: number): void => {
    this.#counts.set(cp, (this.#counts.get(cp) ?? 0) + 1);
  };

  push(chunk: string): void {
    this.#splitter.push(chunk, this.#count);
  }

  end(): Map<string, number> {
    this.#splitter.end(this.#count);
    const out = new Map<string, number>();
    for (const [cp, count] of this.#counts) out.set(String.fromCodePoint(cp), count);
    return out;
  }
}

class WordCounter implements TokenCounter {
  readonly #counts = new Map<string, number>();
  readonly #scanner = new WordScanner({
    word: (word) => this.#counts.set(word, (this.#counts.get(word) ?? 0) + 1),
    newline: () => this.#counts.set(EOS_TOKEN, (this.#counts.get(EOS_TOKEN) ?? 0) + 1),
  });

  push(chunk: string): void {
    this.#scanner.push(chunk);
  }

  end(): Map<string, number> {
    this.#scanner.end();
    return new Map(this.#counts);
  }
}
