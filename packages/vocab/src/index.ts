export { CharrnnError, CharrnnRangeError, isCharrnnError } from "./errors";
export { createRng, deriveSeed } from "./rng";
export type { Rng, RngState } from "./rng";
