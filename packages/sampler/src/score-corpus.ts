import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import { createTurnTaker } from "./event-loop-turn";
import { logSumExp } from "./sampling";
import type { StepModel } from "./step-model";

/**
 * Streams {@link scoreCorpus} cuts a text into unless told otherwise; training's validation uses it
 * too, so `charrnn eval` and a run's validation loss agree.
 */
export const SCORE_STREAMS = 16;

/**
 * The streams {@link scoreCorpus} cuts `tokens` ids (≥ 2) into for `requested` streams: at most
 * `requested`, each at least 2 tokens long, of floor(tokens / batch) contiguous tokens each (the
 * remainder unscored). Training's validation cuts the same, so the two report the same loss.
 */
export function corpusStreams(tokens: number, requested: number): { batch: number; streamLength: number } {
  const batch = Math.min(requested, Math.floor(tokens / 2));
  return { batch, streamLength: Math.floor(tokens / batch) };
}

/** Options of {@link scoreCorpus}. */
export interface ScoreCorpusOptions {
  /**
   * Parallel streams the ids are cut into. Each starts from a zero state, so the result depends a
   * little on it; use the same value to compare engines. @defaultValue {@link SCORE_STREAMS}
   */
  batch?: number;
  /** Time steps per forward call (the state is carried between calls). @defaultValue 256 */
  steps?: number;
}

/** Mean cross-entropy of a corpus under a model. */
export interface CorpusScore {
  /** Tokens scored. */
  count: number;
  totalNats: number;
  natsPerToken: number;
  bitsPerToken: number;
  perplexity: number;
}

/**
 * Scores a long token sequence fast: it is cut into `batch` contiguous streams that run side by side
 * through any StepModel, `steps` tokens per call with the state carried, and each token is scored
 * given everything before it in its stream (the first token of each stream is context only).
 * @example
 * const { natsPerToken } = await scoreCorpus(model, vocab.encode(text), { batch: 16 });
 */
export async function scoreCorpus(
  model: StepModel,
  ids: ArrayLike<number>,
  options: ScoreCorpusOptions = {},
): Promise<CorpusScore> {
  const { batch: requested = SCORE_STREAMS, steps = 256 } = options;
  if (!(Number.isInteger(requested) && requested >= 1))
    throw new CharrnnRangeError("batch", "an integer ≥ 1", requested);
  if (!(Number.isInteger(steps) && steps >= 1)) throw new CharrnnRangeError("steps", "an integer ≥ 1", steps);
  if (ids.length < 2) {
    throw new CharrnnError("SCORE_TOO_SHORT", `need at least 2 tokens to score, got ${ids.length}`);
  }
  const { batch, streamLength } = corpusStreams(ids.length, requested);
  const V = model.vocabSize;
  let state = model.initialState(batch);
  let totalNats = 0;
  let count = 0;
  // Position p of each stream predicts p + 1; the last position of a stream predicts nothing.
  const turn = createTurnTaker();
  for (let start = 0; start < streamLength - 1; start += steps) {
    await turn();
    const T = Math.min(steps, streamLength - 1 - start);
    const tokens = new Int32Array(batch * T);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < T; t++) tokens[b * T + t] = ids[b * streamLength + start + t]!;
    }
    const result = await model.forward(tokens, batch, T, state);
    state = result.state;
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < T; t++) {
        const offset = (b * T + t) * V;
        const target = ids[b * streamLength + start + t + 1]!;
        const nats = logSumExp(result.logits, offset, V) - result.logits[offset + target]!;
        if (!Number.isFinite(nats)) {
          throw new CharrnnError(
            "NONFINITE_LOGITS",
            `the model produced non-finite logits at token ${b * streamLength + start + t}`,
          );
        }
        totalNats += nats;
        count++;
      }
    }
  }
  const natsPerToken = totalNats / count;
  return {
    count,
    totalNats,
    natsPerToken,
    bitsPerToken: natsPerToken / Math.LN2,
    perplexity: Math.exp(natsPerToken),
  };
}
