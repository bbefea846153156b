import { CharrnnRangeError } from "@charrnn/core";

/** A corpus of token ids: a compact `IdArray` from `encodeCorpus`, or an `Int32Array`. */
export type TokenIds = Uint8Array | Uint16Array | Uint32Array | Int32Array;

/** One training batch of next-token prediction: `x`, `y` are `[batch, steps]` row-major. */
export interface TokenBatch {
  x: Int32Array;
  /** `x` shifted by one token: `y[b, t]` is the token after `x[b, t]`. */
  y: Int32Array;
  batch: number;
  steps: number;
  /** Position of this batch in its epoch, from 0. */
  index: number;
}

/** Throws a `CharrnnRangeError` unless `value` is an integer ≥ `min`. */
export function checkInteger(option: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new CharrnnRangeError(option, `an integer >= ${min}`, value);
  return value;
}

/** Throws a `CharrnnRangeError` unless `value` is a fraction in [0, 1). */
export function checkFraction(option: string, value: number): number {
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    throw new CharrnnRangeError(option, "in [0, 1)", value);
  }
  return value;
}

/** `0 … n-1`. */
export function identity(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** Fisher–Yates shuffle of `0 … n-1` drawn from `next(k)` (uniform in [0, k)). */
export function permutation(n: number, nextInt: (k: number) => number): Uint32Array {
  const order = identity(n);
  for (let i = n - 1; i > 0; i--) {
    const j = nextInt(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
