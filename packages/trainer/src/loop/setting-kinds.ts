/**
 * The names the loop's string settings accept, owned here (not in settings.ts) so that
 * `@charrnn/trainer/names` can list them for command lines without loading the loop.
 */

/**
 * How training windows are cut from the corpus: `stream` = truncated BPTT, `batch` parallel
 * streams, each window continuing the previous one, state carried, reset each epoch; `shifted` =
 * the same, with every stream starting a seeded 0 … seq−1 tokens later each epoch so the window cuts
 * move; `shuffle` = non-overlapping windows in a seeded per-epoch shuffle, zero state for every batch.
 */
export const DATA_LAYOUTS = ["stream", "shifted", "shuffle"] as const;
export type DataLayout = (typeof DATA_LAYOUTS)[number];

/** Where the validation split of a corpus comes from (see `TrainSettings.split`). */
export const SPLIT_MODES = ["end", "per-file", "chunks"] as const;
export type CorpusSplitMode = (typeof SPLIT_MODES)[number];

/** What a fine-tune does with tokens the model lacks (see `TrainSettings.initVocab`). */
export const INIT_VOCAB_MODES = ["extend", "keep"] as const;
export type InitVocabMode = (typeof INIT_VOCAB_MODES)[number];

/**
 * What a divergence (a non-finite loss, gradient norm or weight) does to the run: `stop` at once
 * (`stopReason: "diverged"`), keeping the last good checkpoint; `rollback` to the last periodic
 * checkpoint, halve the learning rate and go on (`maxRollbacks` times).
 */
export const DIVERGE_POLICIES = ["stop", "rollback"] as const;
export type DivergePolicy = (typeof DIVERGE_POLICIES)[number];
