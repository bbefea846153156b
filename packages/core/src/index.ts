export type { CharrnnErrorCode } from "./error-codes";
export { CharrnnError, CharrnnRangeError, isCharrnnError } from "./errors";
export type { IdArray, IdArrayConstructor } from "./id-array";
export { idArrayFor, smallestIdArray } from "./id-array";
export type { Rng, RngState } from "./rng";
export { createRng, deriveSeed } from "./rng";
export {
  BEST_CHECKPOINT,
  CHECKPOINT_DIR,
  CONFIG_FILE,
  checkpointFileName,
  LOCK_FILE,
  METRICS_FILE,
  MODEL_FILE,
} from "./run-files";
export type { SeedStream } from "./seed-streams";
export { SEED_STREAMS } from "./seed-streams";
