import { CharrnnRangeError, createRng } from "@charrnn/vocab";
import type { ModelConfig } from "../config";

/** Inverted-dropout masks (entries 0 or 1/(1-rate)), time-major `[T, B, H]`. */
export interface DropoutMasks {
  /** `between[l - 1]` multiplies the input of layer l (the output of layer l-1), l ≥ 1. */
  between: Float64Array[];
  /** Multiplies the last layer's output before the projection. */
  output: Float64Array;
}

/**
 * Draws the masks from `createRng(seed)`: the between-layer masks in layer order, then the output
 * mask, each in `[t, b, unit]` order. `undefined` when `rate` is 0.
 */
export function dropoutMasks(
  config: ModelConfig,
  batch: number,
  steps: number,
  rate: number,
  seed: number,
): DropoutMasks | undefined {
  if (!(rate >= 0 && rate < 1)) throw new CharrnnRangeError("dropout.rate", "in [0, 1)", rate);
  if (rate === 0) return undefined;
  const rng = createRng(seed);
  const keep = 1 / (1 - rate);
  const n = steps * batch * config.hidden;
  const draw = (): Float64Array => {
    const m = new Float64Array(n);
    for (let i = 0; i < n; i++) m[i] = rng.next() < rate ? 0 : keep;
    return m;
  };
  const between: Float64Array[] = [];
  for (let l = 1; l < config.layers; l++) between.push(draw());
  return { between, output: draw() };
}
