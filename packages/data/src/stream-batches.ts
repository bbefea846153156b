import { CharrnnError } from "@charrnn/core";
import { checkInteger, type TokenBatch, type TokenIds } from "./types";

/** Options of the token batchers. */
export interface BatchOptions {
  /** Rows per batch (B). */
  batch: number;
  /** Time steps per row (T). */
  steps: number;
}

/** The truncated-BPTT layout of a corpus; iterating it walks one epoch from window 0. */
export interface StreamBatches extends Iterable<TokenBatch> {
  readonly batch: number;
  readonly steps: number;
  /** Tokens per stream, L = floor((N − 1) / B). */
  readonly streamLength: number;
  /** Windows per epoch, floor(L / T). */
  readonly windowsPerEpoch: number;
  /** Window `index` (0 ≤ index < windowsPerEpoch), freshly allocated. */
  window(index: number): TokenBatch;
  /** Windows `start …` to the end of the epoch: resume mid-epoch from a saved index. */
  windows(start?: number): IterableIterator<TokenBatch>;
}

/**
 * Lays a corpus out for truncated backpropagation through time: it is cut into B contiguous
 * streams of L = floor((N − 1) / B) tokens (stream b starts at token b·L), each walked T steps at a
 * time, so row b of window k+1 continues exactly where row b of window k ended and the RNN state can
 * be carried across windows. Targets are the inputs shifted by one (the last target of stream b is
 * the first token of stream b+1). Dropped: the last N − 1 − B·L tokens, and each stream's last
 * L mod T tokens (the partial window).
 */
export function createStreamBatches(ids: TokenIds, options: BatchOptions): StreamBatches {
  const batch = checkInteger("batch", options.batch, 1);
  const steps = checkInteger("steps", options.steps, 1);
  const n = ids.length;
  if (n < batch * steps + 1) {
    throw new CharrnnError(
      "CORPUS_TOO_SHORT",
      `corpus has ${n} tokens; batch ${batch} × seq ${steps} needs at least ${batch * steps + 1}; lower --batch or --seq`,
    );
  }
  const streamLength = Math.floor((n - 1) / batch);
  const windowsPerEpoch = Math.floor(streamLength / steps);

  const window = (index: number): TokenBatch => {
    if (!Number.isInteger(index) || index < 0 || index >= windowsPerEpoch) {
      throw new CharrnnError(
        "OPTION_RANGE",
        `window index must be in [0, ${windowsPerEpoch - 1}], got ${index}`,
      );
    }
    const x = new Int32Array(batch * steps);
    const y = new Int32Array(batch * steps);
    for (let b = 0; b < batch; b++) {
      const from = b * streamLength + index * steps;
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
    window,
    windows,
    [Symbol.iterator]: () => windows(0),
  };
}
