/** How long to measure one thing. */
export interface Budget {
  /** Untimed steps first (kernel set-up, JIT, allocator warm-up). */
  warmup: number;
  /** Stop timing once this many seconds of timed steps have run (after `minSteps`). */
  seconds: number;
  minSteps: number;
  maxSteps: number;
}

/** What a timing loop measured. */
export interface Timing {
  /** Seconds of each timed step, in order. */
  times: number[];
  /** Median of `times`. */
  median: number;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs `step` `warmup` times, then times it until the budget is spent. `onStart` runs before the
 * first step; `onProgress` gets the median
 * so far at most once a second, so a caller can report partial progress (a parent may kill a slow
 * cell before it ends) without slowing fast steps down.
 */
export async function timeSteps(
  step: (index: number) => Promise<void> | void,
  budget: Budget,
  hooks: { onStart?: () => void; onProgress?: (timing: Timing) => void } = {},
): Promise<Timing> {
  const { onStart, onProgress } = hooks;
  onStart?.();
  let index = 0;
  for (; index < budget.warmup; index++) await step(index);
  const times: number[] = [];
  let spent = 0;
  let reported = performance.now();
  while (times.length < budget.maxSteps && (times.length < budget.minSteps || spent < budget.seconds)) {
    const start = performance.now();
    await step(index++);
    const seconds = (performance.now() - start) / 1000;
    times.push(seconds);
    spent += seconds;
    if (onProgress !== undefined && performance.now() - reported >= 1000) {
      reported = performance.now();
      onProgress({ times: [...times], median: median(times) });
    }
  }
  return { times, median: median(times) };
}
