import { createRng } from "@charrnn/core";
import { checkFraction, checkInteger, permutation } from "./types";

/** Options of {@link stratifiedSplit}. */
export interface StratifiedSplitOptions {
  /** Fraction of each label's examples for validation (rounded). @defaultValue 0.1 */
  val?: number;
  /** @defaultValue 0 */
  seed?: number;
}

/**
 * Splits labelled examples into train and validation so each label keeps its share: from each
 * label, round(count × val) examples chosen at random (seeded) go to `val`. Both parts keep the
 * input order.
 */
export function stratifiedSplit<T extends { label: number }>(
  examples: readonly T[],
  options: StratifiedSplitOptions = {},
): { train: T[]; val: T[] } {
  const val = checkFraction("val", options.val ?? 0.1);
  const rng = createRng(checkInteger("seed", options.seed ?? 0, 0));
  const byLabel = new Map<number, number[]>();
  examples.forEach((example, i) => {
    const list = byLabel.get(example.label);
    if (list) list.push(i);
    else byLabel.set(example.label, [i]);
  });
  const isVal = new Uint8Array(examples.length);
  // Labels in numeric order, so the draws do not depend on which label happens to come first.
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const members = byLabel.get(label)!;
    const order = permutation(members.length, rng.nextInt);
    const take = Math.round(members.length * val);
    for (let i = 0; i < take; i++) isVal[members[order[i]!]!] = 1;
  }
  return { train: examples.filter((_, i) => !isVal[i]), val: examples.filter((_, i) => isVal[i]) };
}
