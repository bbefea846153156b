import { CharrnnError, createRng, deriveSeed } from "@charrnn/core";
import { checkInteger, identity, permutation } from "./types";

/** A labelled sequence of token ids (e.g. a name and its language). */
export interface LabelledSequence {
  ids: ArrayLike<number>;
  label: number;
}

/** Options of {@link createPaddedBatches}. */
export interface PaddedBatchOptions {
  /** Examples per batch; the last batch of an epoch may be smaller. */
  batch: number;
  /** Token id written past each sequence's end. @defaultValue 0 */
  padId?: number;
  /** Seed of the shuffles; epoch e is shuffled by `deriveSeed(seed, e)`. @defaultValue 0 */
  seed?: number;
  /** Shuffle the examples each epoch. @defaultValue true */
  shuffle?: boolean;
  /**
   * Batch examples of similar length together to waste less padding: the (shuffled) examples are
   * sorted by length, cut into batches, and the batches shuffled. @defaultValue false
   */
  sortByLength?: boolean;
}

/** A batch of padded sequences; `x` and `mask` are `[batch, steps]` row-major. */
export interface PaddedBatch {
  x: Int32Array;
  /** Real length of each row. */
  lengths: Int32Array;
  /** 1 where `x` holds a real token, 0 over padding. */
  mask: Float32Array;
  labels: Int32Array;
  /** Rows in this batch. */
  batch: number;
  /** Longest sequence in this batch (Tmax). */
  steps: number;
  /** Position of this batch in its epoch. */
  index: number;
}

/** Padded batches of labelled sequences, reproducible per epoch. */
export interface PaddedBatches {
  /** Batches per epoch: ceil(examples / batch); every example is in exactly one. */
  readonly batchesPerEpoch: number;
  batchAt(epoch: number, index: number): PaddedBatch;
  epoch(epoch: number, start?: number): IterableIterator<PaddedBatch>;
}

/**
 * Serves variable-length labelled sequences as padded batches with lengths and masks, for
 * classification. Nothing is dropped: the last batch of an epoch holds the remainder.
 */
export function createPaddedBatches(
  examples: readonly LabelledSequence[],
  options: PaddedBatchOptions,
): PaddedBatches {
  const batch = checkInteger("batch", options.batch, 1);
  const padId = checkInteger("padId", options.padId ?? 0, 0);
  const seed = checkInteger("seed", options.seed ?? 0, 0);
  const shuffle = options.shuffle ?? true;
  const sortByLength = options.sortByLength ?? false;
  if (examples.length === 0) throw new CharrnnError("DATA_EMPTY", "no examples to batch; check the data set");
  examples.forEach((example, i) => {
    if (example.ids.length === 0) {
      throw new CharrnnError("DATA_EMPTY_EXAMPLE", `example ${i} has no tokens; drop empty examples first`);
    }
    checkInteger(`label of example ${i}`, example.label, 0);
  });
  const count = examples.length;
  const batchesPerEpoch = Math.ceil(count / batch);
  let cachedEpoch = -1;
  let cachedOrder: Uint32Array = new Uint32Array(0);

  const orderOf = (epoch: number): Uint32Array => {
    checkInteger("epoch", epoch, 0);
    if (epoch === cachedEpoch) return cachedOrder;
    const rng = createRng(deriveSeed(seed, epoch));
    let order: Uint32Array = shuffle ? permutation(count, rng.nextInt) : identity(count);
    if (sortByLength) {
      order = order.slice().sort((a, b) => examples[a]!.ids.length - examples[b]!.ids.length);
      if (shuffle) {
        const batches = permutation(batchesPerEpoch, rng.nextInt);
        const sorted = order;
        order = new Uint32Array(count);
        let o = 0;
        for (const k of batches) {
          for (let i = k * batch; i < Math.min(count, (k + 1) * batch); i++) order[o++] = sorted[i]!;
        }
      }
    }
    cachedEpoch = epoch;
    cachedOrder = order;
    return order;
  };

  const batchAt = (epoch: number, index: number): PaddedBatch => {
    if (!Number.isInteger(index) || index < 0 || index >= batchesPerEpoch) {
      throw new CharrnnError(
        "OPTION_RANGE",
        `batch index must be in [0, ${batchesPerEpoch - 1}], got ${index}`,
      );
    }
    const order = orderOf(epoch);
    const from = index * batch;
    const rows = Math.min(batch, count - from);
    let steps = 0;
    for (let r = 0; r < rows; r++) steps = Math.max(steps, examples[order[from + r]!]!.ids.length);
    const x = new Int32Array(rows * steps).fill(padId);
    const mask = new Float32Array(rows * steps);
    const lengths = new Int32Array(rows);
    const labels = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const example = examples[order[from + r]!]!;
      const ids = example.ids;
      lengths[r] = ids.length;
      labels[r] = example.label;
      for (let t = 0; t < ids.length; t++) {
        x[r * steps + t] = ids[t]!;
        mask[r * steps + t] = 1;
      }
    }
    return { x, lengths, mask, labels, batch: rows, steps, index };
  };

  function* epoch(epochIndex: number, start = 0): IterableIterator<PaddedBatch> {
    checkInteger("start", start, 0);
    for (let k = start; k < batchesPerEpoch; k++) yield batchAt(epochIndex, k);
  }

  return { batchesPerEpoch, batchAt, epoch };
}
