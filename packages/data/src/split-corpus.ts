import { CharrnnRangeError } from "@charrnn/core";
import { checkFraction, checkInteger, type TokenIds } from "./types";

/** Options of {@link splitCorpus}. */
export interface SplitOptions {
  /** Fraction of tokens for validation. @defaultValue 0.1 */
  val?: number;
  /** Fraction of tokens for test. @defaultValue 0 */
  test?: number;
}

/** The three contiguous parts of a corpus, views on the same buffer. */
export interface CorpusSplit<T extends TokenIds> {
  train: T;
  val: T;
  test: T;
}

/**
 * Splits a corpus into contiguous parts, train first, then val, then test, as views (no copies).
 * `train` has `floor(N × (1 − val − test))` tokens (the fraction rounded to 12 decimals) and `test` `floor(N × test)`; `val` the rest —
 * for `val: 0.1` the tiny-Shakespeare protocol `n = int(0.9 * len(data))`.
 */
export function splitCorpus<T extends TokenIds>(ids: T, options: SplitOptions = {}): CorpusSplit<T> {
  const val = checkFraction("val", options.val ?? 0.1);
  const test = checkFraction("test", options.test ?? 0);
  if (val + test >= 1) throw new CharrnnRangeError("val + test", "less than 1", val + test);
  const n = ids.length;
  // Rounded so that 1 − 0.15 − 0.05 is 0.8, not 0.7999999999999999.
  const trainFraction = Math.round((1 - val - test) * 1e12) / 1e12;
  const trainEnd = Math.floor(n * trainFraction);
  const valEnd = n - Math.floor(n * test);
  return {
    train: ids.subarray(0, trainEnd) as T,
    val: ids.subarray(trainEnd, valEnd) as T,
    test: ids.subarray(valEnd, n) as T,
  };
}

/** Options of {@link splitCorpusChunks}. */
export interface ChunkSplitOptions {
  /** Fraction of each chunk's tokens for validation. @defaultValue 0.1 */
  val?: number;
  /** Equal pieces the corpus is cut into. @defaultValue 50 */
  chunks?: number;
}

/**
 * char-rnn's held-out split: the corpus is cut into `chunks` equal contiguous pieces (the last one
 * takes the remainder) and the last `val` fraction of each piece is validation, so validation is
 * spread evenly through the text instead of being its end. This is what char-rnn's loader does with
 * its batch-size rows (`data:view(batch_size, -1)`, the last time chunks held out), so a loss
 * measured this way compares with char-rnn's published ones; the corpus's end (`splitCorpus`) is a
 * harder split when a text's last part differs from the rest. Train and val are the pieces' parts
 * joined in order, as copies.
 */
export function splitCorpusChunks<T extends TokenIds>(
  ids: T,
  options: ChunkSplitOptions = {},
): { train: T; val: T } {
  const val = checkFraction("val", options.val ?? 0.1);
  const chunks = checkInteger("chunks", options.chunks ?? 50, 1);
  const n = ids.length;
  if (n < chunks * 2) {
    throw new CharrnnRangeError("chunks", `at most ${Math.floor(n / 2)} for a corpus of ${n} tokens`, chunks);
  }
  const size = Math.floor(n / chunks);
  const trainFraction = Math.round((1 - val) * 1e12) / 1e12;
  const Ctor = ids.constructor as new (length: number) => T;
  const bounds = Array.from({ length: chunks }, (_, c) => {
    const start = c * size;
    const end = c === chunks - 1 ? n : start + size;
    return { start, cut: start + Math.floor((end - start) * trainFraction), end };
  });
  const train = new Ctor(bounds.reduce((sum, b) => sum + b.cut - b.start, 0));
  const held = new Ctor(n - train.length);
  let t = 0;
  let v = 0;
  for (const { start, cut, end } of bounds) {
    train.set(ids.subarray(start, cut), t);
    held.set(ids.subarray(cut, end), v);
    t += cut - start;
    v += end - cut;
  }
  return { train, val: held };
}
