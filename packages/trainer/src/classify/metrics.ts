/** Validation metrics of a classifier. `confusion[true][predicted]` counts examples. */
export interface ClassificationReport {
  labels: readonly string[];
  /** Examples evaluated. */
  count: number;
  /** Fraction predicted right. */
  accuracy: number;
  /** Mean cross-entropy (nats, unweighted by class weights). */
  loss: number;
  /** `[labels][labels]`: row = true label, column = predicted label. */
  confusion: number[][];
  /** Per label: correct / predicted as it (NaN-free: 0 when never predicted). */
  precision: number[];
  /** Per label: correct / examples of it (0 when it has none). */
  recall: number[];
  /** Per label: examples of it. */
  support: number[];
  /** The accuracy of always answering the most frequent label of these examples. */
  majorityAccuracy: number;
  majorityLabel: string;
}

/**
 * Accumulates predictions into a confusion matrix and turns it into a {@link ClassificationReport}.
 * `add` takes one batch's label logits `[batch, labels]` row-major.
 */
export function createConfusionAccumulator(labels: readonly string[]) {
  const L = labels.length;
  const confusion = Array.from({ length: L }, () => new Array<number>(L).fill(0));
  let lossSum = 0;
  let count = 0;
  return {
    add(logits: ArrayLike<number>, truth: ArrayLike<number>, batch: number): void {
      for (let b = 0; b < batch; b++) {
        let best = 0;
        let max = Number.NEGATIVE_INFINITY;
        for (let v = 0; v < L; v++) {
          const s = logits[b * L + v]!;
          if (s > max) {
            max = s;
            best = v;
          }
        }
        let z = 0;
        for (let v = 0; v < L; v++) z += Math.exp(logits[b * L + v]! - max);
        const y = truth[b]!;
        lossSum += max + Math.log(z) - logits[b * L + y]!;
        count++;
        confusion[y]![best]!++;
      }
    },
    report(): ClassificationReport {
      return reportFromConfusion(labels, confusion, count === 0 ? 0 : lossSum / count);
    },
  };
}

/** Accuracy, per-label precision/recall and the majority baseline of a confusion matrix. */
export function reportFromConfusion(
  labels: readonly string[],
  confusion: number[][],
  loss = 0,
): ClassificationReport {
  const L = labels.length;
  const support = confusion.map((row) => row.reduce((a, v) => a + v, 0));
  const predicted = labels.map((_, j) => confusion.reduce((a, row) => a + row[j]!, 0));
  const count = support.reduce((a, v) => a + v, 0);
  let correct = 0;
  for (let i = 0; i < L; i++) correct += confusion[i]![i]!;
  let majority = 0;
  for (let i = 1; i < L; i++) if (support[i]! > support[majority]!) majority = i;
  return {
    labels,
    count,
    accuracy: count === 0 ? 0 : correct / count,
    loss,
    confusion: confusion.map((row) => [...row]),
    precision: labels.map((_, i) => (predicted[i]! === 0 ? 0 : confusion[i]![i]! / predicted[i]!)),
    recall: labels.map((_, i) => (support[i]! === 0 ? 0 : confusion[i]![i]! / support[i]!)),
    support,
    majorityAccuracy: count === 0 ? 0 : support[majority]! / count,
    majorityLabel: labels[majority] ?? "",
  };
}

/**
 * "Balanced" class weights (scikit-learn's `n / (labels · count_c)`) from the training labels, so
 * every class carries the same total weight; a label with no examples gets 0.
 */
export function balancedClassWeights(labelCount: number, labels: ArrayLike<number>): Float32Array {
  const counts = new Float64Array(labelCount);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  const present = counts.filter((c) => c > 0).length;
  return Float32Array.from(counts, (c) => (c === 0 ? 0 : labels.length / (present * c)));
}
