/**
 * Numerically stable log-softmax of `row[offset .. offset+length)` into `out` (float64).
 * Returns `log Σ exp(row)` (the log-partition), which cross-entropy needs.
 */
export function logSoftmax(
  row: ArrayLike<number>,
  out: Float64Array = new Float64Array(row.length),
  offset = 0,
  length: number = row.length - offset,
): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < length; i++) {
    const v = row[offset + i]!;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(row[offset + i]! - max);
  const logZ = max + Math.log(sum);
  for (let i = 0; i < length; i++) out[i] = row[offset + i]! - logZ;
  return logZ;
}

/** Result of `softmaxCrossEntropy`. */
export interface CrossEntropyResult {
  /** Σ weight·CE / Σ weight over the positions (0 when every weight is 0). */
  loss: number;
  /** Σ weight·CE and Σ weight, for callers that aggregate over batches. */
  lossSum: number;
  weightSum: number;
  /** d loss / d logits `[positions, V]`, float64. */
  dlogits: Float64Array;
}

/**
 * Mean softmax cross-entropy of `logits` `[N, V]` against `targets` `[N]` with optional per-position
 * weights (a 0 weight masks the position out), and its gradient with respect to the logits.
 */
export function softmaxCrossEntropy(
  logits: ArrayLike<number>,
  targets: Int32Array,
  vocabSize: number,
  weights?: ArrayLike<number>,
): CrossEntropyResult {
  const n = targets.length;
  const dlogits = new Float64Array(n * vocabSize);
  const row = new Float64Array(vocabSize);
  let lossSum = 0;
  let weightSum = 0;
  for (let p = 0; p < n; p++) {
    const w = weights === undefined ? 1 : weights[p]!;
    if (w === 0) continue;
    logSoftmax(logits, row, p * vocabSize, vocabSize);
    const y = targets[p]!;
    lossSum -= w * row[y]!;
    weightSum += w;
    const base = p * vocabSize;
    for (let v = 0; v < vocabSize; v++) dlogits[base + v] = w * Math.exp(row[v]!);
    dlogits[base + y] = dlogits[base + y]! - w;
  }
  if (weightSum > 0) {
    const inv = 1 / weightSum;
    for (let i = 0; i < dlogits.length; i++) dlogits[i] = dlogits[i]! * inv;
  }
  return { loss: weightSum > 0 ? lossSum / weightSum : 0, lossSum, weightSum, dlogits };
}

/**
 * `max |a - b| / (max |b| + 1e-8)`: the error of `a` relative to the scale of the reference `b`,
 * robust to near-zero entries (where element-wise relative error explodes). Infinity on a length mismatch or NaN.
 */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    if (d > diff) diff = d;
    const s = Math.abs(b[i]!);
    if (s > scale) scale = s;
  }
  return diff / (scale + 1e-8);
}
