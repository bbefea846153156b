import type { TokenIds } from "@charrnn/data";
import { zeroState } from "@charrnn/models";
import { corpusStreams } from "@charrnn/sampler";
import type { TrainingEngine } from "../engine/types";

/** How a split is scored: `batch` streams walked `steps` tokens at a time. */
export interface SplitScoring {
  batch: number;
  steps: number;
  /**
   * Score at most this many tokens (0 or absent: all): each stream scores only its first
   * floor(maxTokens / batch), so the sample still spans the split from start to end.
   */
  maxTokens?: number;
}

/**
 * The streams `evaluateSplit` cuts a split of `tokens` ids into (`scoreCorpus`'s, `corpusStreams`),
 * and how many tokens each scores.
 */
export function splitStreams(
  tokens: number,
  scoring: SplitScoring,
): { batch: number; streamLength: number; scored: number } {
  if (tokens < 2) return { batch: 0, streamLength: 0, scored: 0 };
  const { batch, streamLength } = corpusStreams(tokens, Math.max(1, scoring.batch));
  // Predictions per stream: position p predicts p + 1, the last position nothing.
  let scored = streamLength - 1;
  const cap = scoring.maxTokens ?? 0;
  if (cap > 0) scored = Math.max(1, Math.min(scored, Math.floor(cap / batch)));
  return { batch, streamLength, scored };
}

/**
 * Mean cross-entropy (nats/token) of a split, cut as `scoreCorpus` (`charrnn eval`) cuts a text, so
 * the two report the same loss for the same streams: `batch` contiguous streams of floor(N / batch)
 * tokens, walked `steps` tokens at a time with the state carried, each token scored given everything
 * before it in its stream (a stream's first token is context only). With `maxTokens` each stream
 * stops early (`splitStreams`). `undefined` when the split has fewer than 2 tokens.
 */
export async function evaluateSplit(
  engine: TrainingEngine,
  ids: TokenIds,
  options: SplitScoring,
): Promise<number | undefined> {
  if (ids.length < 2) return undefined;
  const { batch, streamLength, scored: length } = splitStreams(ids.length, options);
  let state = zeroState(engine.config, batch);
  let lossSum = 0;
  let count = 0;
  for (let start = 0; start < length; start += options.steps) {
    const steps = Math.min(options.steps, length - start);
    const x = new Int32Array(batch * steps);
    const y = new Int32Array(batch * steps);
    for (let b = 0; b < batch; b++) {
      const from = b * streamLength + start;
      for (let t = 0; t < steps; t++) {
        x[b * steps + t] = ids[from + t]!;
        y[b * steps + t] = ids[from + t + 1]!;
      }
    }
    const result = await engine.evaluate({ x, y, batch, steps }, state);
    lossSum += result.lossSum;
    count += result.count;
    state = result.state;
  }
  return count > 0 ? lossSum / count : undefined;
}
