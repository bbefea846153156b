import { CharrnnError, createRng, deriveSeed } from "@charrnn/core";
import type { BatchOptions } from "./stream-batches";
import { checkInteger, permutation, type TokenBatch, type TokenIds } from "./types";

/** Options of {@link createShuffledWindows}. */
export interface ShuffledWindowOptions extends BatchOptions {
  /** Seed of the shuffles; epoch e is shuffled by `deriveSeed(seed, e)`. @defaultValue 0 */
  seed?: number;
}

/** Shuffled windows of a corpus, batch by batch, reproducible per epoch. */
export interface ShuffledWindows {
  readonly batch: number;
  readonly steps: number;
  /** Non-overlapping windows of T + 1 tokens in the corpus: floor(N / (T + 1)). */
  readonly windowCount: number;
  /** Batches per epoch: floor(windowCount / B). */
  readonly windowsPerEpoch: number;
  /** Window numbers (window w starts at token w·(T+1)) in the order epoch `epoch` visits them. */
  order(epoch: number): Uint32Array;
  /** Batch `index` of epoch `epoch`, freshly allocated. */
  batchAt(epoch: number, index: number): TokenBatch;
  /** Batches `start …` of epoch `epoch`: resume mid-epoch from a saved (epoch, index). */
  epoch(epoch: number, start?: number): IterableIterator<TokenBatch>;
}

/**
 * Cuts a corpus into non-overlapping windows of T + 1 tokens (input = first T, target = last T)
 * and serves them shuffled, B per batch. Epoch e's order depends only on (seed, e), so any batch of
 * any epoch can be rebuilt exactly. Dropped: the last N mod (T + 1) tokens, and in each epoch the
 * windowCount mod B windows shuffled to the end (different ones each epoch).
 */
export function createShuffledWindows(ids: TokenIds, options: ShuffledWindowOptions): ShuffledWindows {
  const batch = checkInteger("batch", options.batch, 1);
  const steps = checkInteger("steps", options.steps, 1);
  const seed = options.seed ?? 0;
  checkInteger("seed", seed, 0);
  const span = steps + 1;
  const windowCount = Math.floor(ids.length / span);
  if (windowCount < batch) {
    throw new CharrnnError(
      "CORPUS_TOO_SHORT",
      `corpus has ${ids.length} tokens; batch ${batch} × windows of seq ${steps} + 1 need at least ${batch * span}; lower --batch or --seq`,
    );
  }
  const windowsPerEpoch = Math.floor(windowCount / batch);
  let cachedEpoch = -1;
  let cachedOrder: Uint32Array = new Uint32Array(0);

  const orderOf = (epoch: number): Uint32Array => {
    checkInteger("epoch", epoch, 0);
    if (epoch !== cachedEpoch) {
      const rng = createRng(deriveSeed(seed, epoch));
      cachedOrder = permutation(windowCount, rng.nextInt);
      cachedEpoch = epoch;
    }
    return cachedOrder;
  };

  const batchAt = (epoch: number, index: number): TokenBatch => {
    if (!Number.isInteger(index) || index < 0 || index >= windowsPerEpoch) {
      throw new CharrnnError(
        "OPTION_RANGE",
        `batch index must be in [0, ${windowsPerEpoch - 1}], got ${index}`,
      );
    }
    const order = orderOf(epoch);
    const x = new Int32Array(batch * steps);
    const y = new Int32Array(batch * steps);
    for (let b = 0; b < batch; b++) {
      const from = order[index * batch + b]! * span;
      x.set(ids.subarray(from, from + steps), b * steps);
      y.set(ids.subarray(from + 1, from + span), b * steps);
    }
    return { x, y, batch, steps, index };
  };

  function* epoch(epochIndex: number, start = 0): IterableIterator<TokenBatch> {
    checkInteger("start", start, 0);
    for (let k = start; k < windowsPerEpoch; k++) yield batchAt(epochIndex, k);
  }

  return {
    batch,
    steps,
    windowCount,
    windowsPerEpoch,
    order: (e) => orderOf(e).slice(),
    batchAt,
    epoch,
  };
}
