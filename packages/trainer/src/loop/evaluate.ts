import type { TokenIds } from "@charrnn/data";
import { zeroState } from "@charrnn/models";
import type { TrainingEngine } from "../engine/types";

/**
 * Mean cross-entropy (nats/token) of a whole split: it is cut into `batch` contiguous streams that
 * are walked `steps` tokens at a time with the state carried, the last window shorter, so every
 * token but the few that do not fill a stream (fewer than `batch`) is scored with full context.
 * `undefined` when the split has fewer than 2 tokens.
 */
export async function evaluateSplit(
  engine: TrainingEngine,
  ids: TokenIds,
  options: { batch: number; steps: number },
): Promise<number | undefined> {
  if (ids.length < 2) return undefined;
  const batch = Math.max(1, Math.min(options.batch, ids.length - 1));
  const length = Math.floor((ids.length - 1) / batch);
  let state = zeroState(engine.config, batch);
  let lossSum = 0;
  let count = 0;
  for (let start = 0; start < length; start += options.steps) {
    const steps = Math.min(options.steps, length - start);
    const x = new Int32Array(batch * steps);
    const y = new Int32Array(batch * steps);
    for (let b = 0; b < batch; b++) {
      const from = b * length + start;
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
