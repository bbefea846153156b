import { CharrnnRangeError, createRng, deriveSeed } from "@charrnn/core";
import type { ModelConfig } from "../config";

/** Inverted-dropout masks (entries 0 or 1/(1-rate)), time-major `[T, B, H]`. */
export interface DropoutMasks {
  /** `between[l - 1]` multiplies the input of layer l (the output of layer l-1), l ≥ 1. */
  between: Float64Array[];
  /** Multiplies the last layer's output before the projection. */
  output?: Float64Array;
  /** Multiplies the embedded inputs `[T, B, E]` (`config.inputDropout`). */
  input?: Float64Array;
}

/** Seed stream of the input-dropout mask, derived from the step's dropout seed (see `inputDropoutMask`). */
const INPUT_DROPOUT_STREAM = 1;

/**
 * Draws the masks from `createRng(seed)`: the between-layer masks in layer order, then the output
 * mask, each in `[t, b, unit]` order; and, when `inputRate` > 0, the input mask (`inputDropoutMask`).
 * `undefined` when both rates are 0.
 */
export function dropoutMasks(
  config: ModelConfig,
  batch: number,
  steps: number,
  rate: number,
  seed: number,
  inputRate = 0,
): DropoutMasks | undefined {
  if (!(rate >= 0 && rate < 1)) throw new CharrnnRangeError("dropout.rate", "in [0, 1)", rate);
  if (rate === 0 && inputRate === 0) return undefined;
  const masks: DropoutMasks = { between: [] };
  if (rate > 0) {
    const rng = createRng(seed);
    const n = steps * batch * config.hidden;
    const draw = (): Float64Array => {
      const m = new Float64Array(n);
      rng.fillDropout(m, rate);
      return m;
    };
    for (let l = 1; l < config.layers; l++) masks.between.push(draw());
    masks.output = draw();
  }
  if (inputRate > 0)
    masks.input = inputDropoutMask(Float64Array, inputRate, seed, steps * batch, config.embed ?? 0);
  return masks;
}

/**
 * The input-dropout multipliers `[positions, width]` (time-major positions) for a step's dropout
 * `seed`: 0 with probability `rate`, else 1/(1 − rate), from their own stream
 * `createRng(deriveSeed(seed, 1))`, so turning input dropout on leaves the other masks unchanged.
 * Every engine draws its input mask here, so all apply the same one for the same seed.
 */
export function inputDropoutMask<A extends Float32Array | Float64Array>(
  array: new (n: number) => A,
  rate: number,
  seed: number,
  positions: number,
  width: number,
): A {
  if (!(rate >= 0 && rate < 1)) throw new CharrnnRangeError("inputDropout", "in [0, 1)", rate);
  const m = new array(positions * width);
  createRng(deriveSeed(seed, INPUT_DROPOUT_STREAM)).fillDropout(m, rate);
  return m;
}
