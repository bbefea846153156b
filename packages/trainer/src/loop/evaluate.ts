import type { TokenIds } from "@charrnn/data";
import { zeroState } from "@charrnn/models";
import type { TrainingEngine } from "../engine/types";

/**
 * Mean cross-entropy (nats/token) of a whole split, cut as `scoreCorpus` (`charrnn eval`) cuts a
 * text, so the two report the same loss for the same streams: `batch` contiguous streams of
 * floor(N / batch) tokens, walked `steps` tokens at a time with the state carried, each token scored
 * given everything before it in its stream (a stream's first token is context only).
 * `undefined` when the split has fewer than 2 tokens.
 */
export async function evaluateSplit(
  engine: TrainingEngine,
  ids: TokenIds,
  options: { batch: number; steps: number },
): Promise<number | undefined> {
  if (ids.length < 2) return undefined;
  const batch = Math.max(1, Math.min(options.batch, Math.floor(ids.length / 2)));
  const streamLength = Math.floor(ids.length / batch);
  // Predictions per stream: position p predicts p + 1, the last position nothing.
  const length = streamLength - 1;
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
