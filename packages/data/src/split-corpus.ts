import { CharrnnRangeError } from "@charrnn/core";
import { checkFraction, type TokenIds } from "./types";

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
