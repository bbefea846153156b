/**
 * The one registry of random streams a training run draws from. Each stream seeds its own generator
 * with `deriveSeed(seed, SEED_STREAMS.x)`, so adding draws to one stream never shifts another; a
 * new use of randomness gets a new entry here, never a reused number.
 */
export const SEED_STREAMS = {
  /** Initial weights. */
  init: 0,
  /** Order of the training windows / examples. */
  shuffle: 1,
  /** Samples drawn while training (progress previews). */
  sample: 2,
  /** Dropout masks: update n draws from `deriveSeed(deriveSeed(seed, SEED_STREAMS.dropout), n)`. */
  dropout: 3,
} as const;

export type SeedStream = keyof typeof SEED_STREAMS;
