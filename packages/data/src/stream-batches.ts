import { CharrnnError, createRng, deriveSeed } from "@charrnn/core";
import { checkInteger, type TokenBatch, type TokenIds } from "./types";

/** Options of the token batchers. */
export interface BatchOptions {
  /** Rows per batch (B). */
  batch: number;
  /** Time steps per row (T). */
  steps: number;
}

/** Options of {@link createStreamBatches}. */
export interface StreamBatchOptions extends BatchOptions {
  /**
   * Seed of a per-epoch shift: epoch e's streams start `offset(e)` tokens later, uniform in
   * [0, T) from `deriveSeed(shiftSeed, e)`, so the window cuts (where the gradient stops) move
   * from epoch to epoch instead of falling on the same characters each time. Unset: no shift,
   * and the layout is exactly the unshifted one.
   */
  shiftSeed?: number;
}

/** The truncated-BPTT layout of a corpus; iterating it walks epoch 0 from window 0. */
export interface StreamBatches extends Iterable<TokenBatch> {
  readonly batch: number;
  readonly steps: number;
  /** Tokens per stream: L = floor((N − 1) / B), or floor((N − T) / B) with a shift. */
  readonly streamLength: number;
  /** Windows per epoch, floor(L / T). */
  readonly windowsPerEpoch: number;
  /** Where epoch `epoch`'s streams start (stream b at offset + b·L): 0 without a shift. */
  offset(epoch: number): number;
  /** Window `index` (0 ≤ index < windowsPerEpoch) of epoch `epoch` (default 0), freshly allocated. */
  window(index: number, epoch?: number): TokenBatch;
  /** Windows `start …` to the end of epoch 0: resume mid-epoch from a saved index. */
  windows(start?: number): IterableIterator<TokenBatch>;
}

/**
 * Lays a corpus out for truncated backpropagation through time: it is cut into B contiguous
 * streams of L = floor((N − 1) / B) tokens (stream b starts at token b·L), each walked T steps at a
 * time, so row b of window k+1 continues exactly where row b of window k ended and the RNN state can
 * be carried across windows. Targets are the inputs shifted by one (the last target of stream b is
 * the first token of stream b+1). Dropped: the last N − 1 − B·L tokens, and each stream's last
 * L mod T tokens (the partial window). With `shiftSeed` every stream starts offset(e) < T tokens
 * later in epoch e; L leaves room for the largest offset, so every epoch has the same windows.
 */
export function createStreamBatches(ids: TokenIds, options: StreamBatchOptions): StreamBatches {
  const batch = checkInteger("batch", options.batch, 1);
  const steps = checkInteger("steps", options.steps, 1);
  const shiftSeed = options.shiftSeed;
  if (shiftSeed !== undefined) checkInteger("shiftSeed", shiftSeed, 0);
  const n = ids.length;
  // Without a shift a stream ends one token early (the last target); with one, T − 1 more.
  const reserve = shiftSeed === undefined ? 1 : steps;
  if (n < batch * steps + reserve) {
    throw new CharrnnError(
      "CORPUS_TOO_SHORT",
      `corpus has ${n} tokens; batch ${batch} × seq ${steps} needs at least ${batch * steps + reserve}; lower --batch or --seq`,
    );
  }
  const streamLength = Math.floor((n - reserve) / batch);
  const windowsPerEpoch = Math.floor(streamLength / steps);
  // One draw from a fresh generator per call: cheaper than a window's copy, and nothing to cache.
  const offset = (epoch: number): number => {
    checkInteger("epoch", epoch, 0);
    return shiftSeed === undefined ? 0 : createRng(deriveSeed(shiftSeed, epoch)).nextInt(steps);
  };

  const window = (index: number, epoch = 0): TokenBatch => {
    if (!Number.isInteger(index) || index < 0 || index >= windowsPerEpoch) {
      throw new CharrnnError(
        "OPTION_RANGE",
        `window index must be in [0, ${windowsPerEpoch - 1}], got ${index}`,
      );
    }
    const start = offset(epoch);
    const x = new Int32Array(batch * steps);
    const y = new Int32Array(batch * steps);
    for (let b = 0; b < batch; b++) {
      const from = start + b * streamLength + index * steps;
      x.set(ids.subarray(from, from + steps), b * steps);
      y.set(ids.subarray(from + 1, from + 1 + steps), b * steps);
    }
    return { x, y, batch, steps, index };
  };

  function* windows(start = 0): IterableIterator<TokenBatch> {
    checkInteger("start", start, 0);
    for (let k = start; k < windowsPerEpoch; k++) yield window(k);
  }

  return {
    batch,
    steps,
    streamLength,
    windowsPerEpoch,
    offset,
    window,
    windows,
    [Symbol.iterator]: () => windows(0),
  };
}
