import { CharrnnRangeError, createRng, deriveSeed, type Rng } from "@charrnn/core";
import { gateCount, type ModelConfig } from "../config";

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
 * mask (`layerDropoutMasks`); and, when `inputRate` > 0, the input mask (`inputDropoutMask`).
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
    const layers = layerDropoutMasks(Float64Array, config, rate, seed, steps * batch);
    masks.output = layers.pop();
    masks.between = layers;
  }
  if (inputRate > 0)
    masks.input = inputDropoutMask(Float64Array, inputRate, seed, steps * batch, config.embed ?? 0);
  return masks;
}

/**
 * The dropout multipliers of each layer's output for a step's dropout `seed`, time-major
 * `[positions, hidden]` (position t·batch + b): 0 with probability `rate`, else 1/(1 − rate), layer
 * after layer from one `createRng(seed)` stream. Layer k < L−1's mask scales the next layer's input,
 * the last one the output projection's. Every engine draws its masks here, so all apply the same
 * ones for the same seed.
 */
export function layerDropoutMasks<A extends Float32Array | Float64Array>(
  array: new (n: number) => A,
  config: ModelConfig,
  rate: number,
  seed: number,
  positions: number,
): A[] {
  return drawMasks(array, createRng(seed), config.layers, positions * config.hidden, rate);
}

/** `count` masks of `size` multipliers each, one after another from `rng`. */
function drawMasks<A extends Float32Array | Float64Array>(
  array: new (n: number) => A,
  rng: Rng,
  count: number,
  size: number,
  rate: number,
): A[] {
  return Array.from({ length: count }, () => {
    const m = new array(size);
    rng.fillDropout(m, rate);
    return m;
  });
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

/** Seed stream of the weight-drop masks, derived from the step's dropout seed (see `weightDropMasks`). */
const WEIGHT_DROP_STREAM = 2;

/**
 * The DropConnect multipliers of each layer's `weight_hh` (`config.weightDrop`) for a step's dropout
 * `seed`, layer by layer, each shaped like that weight `[gates·H, H]`: 0 with probability
 * `weightDrop`, else 1/(1 − weightDrop). From their own stream `createRng(deriveSeed(seed, 2))`, so
 * turning weight drop on leaves the activation masks unchanged; every engine draws them here.
 * `undefined` when the config has no weight drop.
 */
export function weightDropMasks(config: ModelConfig, seed: number): Float32Array[] | undefined {
  const rate = config.weightDrop ?? 0;
  if (rate === 0) return undefined;
  if (!(rate > 0 && rate < 1)) throw new CharrnnRangeError("weightDrop", "in [0, 1)", rate);
  const rng = createRng(deriveSeed(seed, WEIGHT_DROP_STREAM));
  return drawMasks(Float32Array, rng, config.layers, gateCount(config.cell) * config.hidden ** 2, rate);
}
