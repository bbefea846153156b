/**
 * `@charrnn/data/browser`: the batch layouts and splits, which work on token ids in memory and run
 * in a browser or a Web Worker. Nothing reachable from here imports `node:*` (browser.test.ts walks
 * the import graph to keep it so); the full entry adds reading and encoding corpus files. To encode
 * text in a browser, use `Vocab.encode` from @charrnn/vocab.
 */
export type { LabelledSequence, PaddedBatch, PaddedBatches, PaddedBatchOptions } from "./padded-batches";
export { createPaddedBatches } from "./padded-batches";
export type { ShuffledWindowOptions, ShuffledWindows } from "./shuffled-windows";
export { createShuffledWindows } from "./shuffled-windows";
export type { CorpusSplit, SplitOptions } from "./split-corpus";
export { splitCorpus } from "./split-corpus";
export type { StratifiedSplitOptions } from "./stratified-split";
export { stratifiedSplit } from "./stratified-split";
export type { BatchOptions, StreamBatches, StreamBatchOptions } from "./stream-batches";
export { createStreamBatches } from "./stream-batches";
export type { TokenBatch, TokenIds } from "./types";
