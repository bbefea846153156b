import type { Rng } from "@charrnn/core";
import { CharrnnError } from "@charrnn/core";

/** Index of the largest value; the lowest index wins ties. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  let max = values[0]!;
  for (let i = 1; i < values.length; i++) {
    if (values[i]! > max) {
      max = values[i]!;
      best = i;
    }
  }
  return best;
}

/**
 * Draws a token from softmax(`logits`) by inverse CDF: weights exp(l - max) are summed in float64 in
 * token-id order and the first id whose running sum exceeds `u · total` wins, so the same `rng`
 * state gives the same token everywhere. `weights` is scratch of length ≥ V.
 */
export function sampleLogits(logits: Float64Array, rng: Rng, weights: Float64Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    total += Math.exp(logits[i]! - max);
    weights[i] = total;
  }
  const u = rng.next() * total;
  let last = 0;
  for (let i = 0; i < logits.length; i++) {
    if (weights[i]! > u) return i;
    if (logits[i]! > Number.NEGATIVE_INFINITY) last = i;
  }
  // Only reachable through rounding at the very top of the range.
  return last;
}

/**
 * Copies logits row `row` (length V) into `out` as float64, throwing `NONFINITE_LOGITS` on NaN or
 * ±Infinity instead of letting them be sampled.
 */
export function readLogitsRow(
  logits: Float32Array,
  row: number,
  out: Float64Array,
  where: { step: number; stream: number },
): void {
  const V = out.length;
  const off = row * V;
  for (let i = 0; i < V; i++) {
    const v = logits[off + i]!;
    if (!Number.isFinite(v)) {
      throw new CharrnnError(
        "NONFINITE_LOGITS",
        `the model produced a non-finite logit (${v}) for token ${i} at step ${where.step} of sample ` +
          `${where.stream}; the weights or the state have diverged, check the model file`,
      );
    }
    out[i] = v;
  }
}

/** log Σ exp over `values[off .. off+n)`, stable. */
export function logSumExp(values: ArrayLike<number>, off: number, n: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (values[off + i]! > max) max = values[off + i]!;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(values[off + i]! - max);
  return max + Math.log(s);
}
