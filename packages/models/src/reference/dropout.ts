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
    const layers = layerDropoutMasks(Float64Array, config, rate, seed, steps, batch);
    masks.output = layers.pop();
    masks.between = layers;
  }
  if (inputRate > 0) masks.input = inputDropoutMask(Float64Array, config, inputRate, seed, steps, batch);
  return masks;
}

/**
 * The dropout multipliers of each layer's output for a step's dropout `seed`, time-major
 * `[steps·batch, hidden]` (position t·batch + b): 0 with probability `rate`, else 1/(1 − rate), layer
 * after layer from one `createRng(seed)` stream. Layer k < L−1's mask scales the next layer's input,
 * the last one the output projection's. With `config.dropoutMode` `"locked"` each layer draws one
 * `[batch, hidden]` mask that every time step shares. Every engine draws its masks here, so all
 * apply the same ones for the same seed.
 */
export function layerDropoutMasks<A extends Float32Array | Float64Array>(
  array: new (n: number) => A,
  config: ModelConfig,
  rate: number,
  seed: number,
  steps: number,
  batch: number,
): A[] {
  const rng = createRng(seed);
  const shape = maskShape(config, steps, batch, config.hidden);
  return Array.from({ length: config.layers }, () => drawMask(array, rng, shape, rate));
}

/** A window's mask: `rows` positions of `width` multipliers, the first `drawn` rows drawn, the rest repeating them. */
interface MaskShape {
  rows: number;
  drawn: number;
  width: number;
}

/** Locked masks draw the first time step's `batch` rows and repeat them at every later step. */
function maskShape(config: ModelConfig, steps: number, batch: number, width: number): MaskShape {
  const rows = steps * batch;
  return { rows, drawn: config.dropoutMode === "locked" ? Math.min(batch, rows) : rows, width };
}

/** One mask of `shape` from `rng`: its drawn rows, then copies of them to fill the rest. */
function drawMask<A extends Float32Array | Float64Array>(
  array: new (n: number) => A,
  rng: Rng,
  { rows, drawn, width }: MaskShape,
  rate: number,
): A {
  const m = new array(rows * width);
  const block = drawn * width;
  rng.fillDropout(m.subarray(0, block) as A, rate);
  for (let at = block; at < m.length; at += block) m.copyWithin(at, 0, Math.min(block, m.length - at));
  return m;
}

/**
 * The input-dropout multipliers `[steps·batch, embed]` (time-major positions) for a step's dropout
 * `seed`: 0 with probability `rate`, else 1/(1 − rate), from their own stream
 * `createRng(deriveSeed(seed, 1))`, so turning input dropout on leaves the other masks unchanged;
 * locked (`config.dropoutMode`) like `layerDropoutMasks`' masks. Every engine draws its input mask
 * here, so all apply the same one for the same seed.
 */
export function inputDropoutMask<A extends Float32Array | Float64Array>(
  array: new (n: number) => A,
  config: ModelConfig,
  rate: number,
  seed: number,
  steps: number,
  batch: number,
): A {
  if (!(rate >= 0 && rate < 1)) throw new CharrnnRangeError("inputDropout", "in [0, 1)", rate);
  const rng = createRng(deriveSeed(seed, INPUT_DROPOUT_STREAM));
  return drawMask(array, rng, maskShape(config, steps, batch, config.embed ?? 0), rate);
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
  const rows = gateCount(config.cell) * config.hidden;
  const shape = { rows, drawn: rows, width: config.hidden };
  return Array.from({ length: config.layers }, () => drawMask(Float32Array, rng, shape, rate));
}
