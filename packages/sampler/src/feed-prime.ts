import { CharrnnRangeError } from "@charrnn/core";
import type { RnnState } from "@charrnn/models";
import { lastStepLogits } from "./state-utils";
import type { StepModel } from "./step-model";

/**
 * Steps per forward call when feeding a prime. A prime of any length (a whole file) costs memory for
 * one chunk — an engine that returns every step's logits holds `chunk × V` of them, not `T × V` — and
 * still runs as a few block calls, never one call per token.
 */
export const PRIME_CHUNK = 256;

/** What feeding a prime leaves: the state after its last token and that token's next-token logits `[V]`. */
export interface PrimeResult {
  state: RnnState;
  logits: Float32Array;
}

/**
 * Feeds `ids` (one stream, at least one token) through `model` from `state` in forward calls of at
 * most `chunk` steps (`lastOnly`), the state carried between them: the same state and logits as one
 * call over all of `ids`, for any length.
 */
export async function feedPrime(
  model: StepModel,
  ids: Int32Array,
  state: RnnState,
  chunk = PRIME_CHUNK,
): Promise<PrimeResult> {
  if (!(Number.isInteger(chunk) && chunk >= 1))
    throw new CharrnnRangeError("chunkSize", "an integer ≥ 1", chunk);
  if (ids.length === 0) throw new CharrnnRangeError("prime", "at least one token", 0);
  let logits: Float32Array = new Float32Array(0);
  for (let from = 0; from < ids.length; from += chunk) {
    const steps = Math.min(chunk, ids.length - from);
    const r = await model.forward(ids.subarray(from, from + steps), 1, steps, state, { lastOnly: true });
    state = r.state;
    if (from + steps === ids.length) logits = lastStepLogits(r.logits, 1, model.vocabSize);
  }
  return { state, logits };
}
