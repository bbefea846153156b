import type { ModelConfig } from "../config";
import { gateActivation, gateCount, hardSigmoid } from "../config";
import type { NamedTensors, RnnState } from "../tensor";
import type { DropoutMasks } from "./dropout";
import type { Weights } from "./weights";
import { checkLanguageModel, checkState, checkTokens, toWeights, zeroState } from "./weights";

/** What one layer keeps for backprop, time-major. */
export interface LayerCache {
  inSize: number;
  /** Layer input `[T, B, in]` after dropout; `undefined` for a one-hot first layer (the tokens are the input). */
  x: Float64Array | undefined;
  /** Hidden states `[T+1, B, H]`; index 0 is the initial state. */
  h: Float64Array;
  /** LSTM cell states `[T+1, B, H]`. */
  c: Float64Array | undefined;
  /** Activated gates `[T, B, G·H]`: LSTM i,f,g,o; GRU r,z,n. */
  gates: Float64Array | undefined;
  /** GRU `W_hn h + b_hn` `[T, B, H]` (the reset gate multiplies it). */
  hn: Float64Array | undefined;
}

/** Everything the forward pass computed, for the hand-written backward pass. */
export interface ReferenceCache {
  batch: number;
  steps: number;
  /** `[B, T]` input ids. */
  tokens: Int32Array;
  layers: LayerCache[];
  /** Last layer's output `[T, B, H]` after output dropout: what the projection reads. */
  top: Float64Array;
  /** `[B, T, V]` float64 logits. */
  logits: Float64Array;
  masks: DropoutMasks | undefined;
}

/** Result of `referenceForward`. */
export interface ReferenceForwardResult {
  /** `[B, T, V]` row-major. */
  logits: Float32Array;
  /** State after the last step. */
  state: RnnState;
  cache: ReferenceCache;
}

/**
 * Runs the model over `tokens` `[batch, steps]` (row-major) from `state` (zeros when absent), in float64.
 * Inference semantics: no dropout.
 */
export function referenceForward(
  config: ModelConfig,
  params: NamedTensors,
  tokens: Int32Array,
  batch: number,
  steps: number,
  state?: RnnState,
): ReferenceForwardResult {
  checkLanguageModel(config);
  checkTokens("tokens", tokens, batch, steps, config.vocabSize);
  if (state !== undefined) checkState(config, state, batch);
  const cache = forwardCached(config, toWeights(config, params), tokens, batch, steps, state, undefined);
  return { logits: Float32Array.from(cache.logits), state: finalState(config, cache), cache };
}

/** The forward pass over checked inputs, keeping every intermediate. */
export function forwardCached(
  config: ModelConfig,
  w: Weights,
  tokens: Int32Array,
  B: number,
  T: number,
  state: RnnState | undefined,
  masks: DropoutMasks | undefined,
): ReferenceCache {
  const { hidden: H, vocabSize: V, cell } = config;
  const G = gateCount(cell);
  const GH = G * H;
  const sigmoid = gateActivation(config) === "hardSigmoid" ? hardSigmoid : logistic;
  const init = state ?? zeroState(config, B);
  const gi = new Float64Array(GH);
  const gh = new Float64Array(GH);
  const layers: LayerCache[] = [];
  let below: Float64Array | undefined; // previous layer's h, [T+1, B, H]

  for (let l = 0; l < config.layers; l++) {
    const { wih, whh, bih, bhh, inSize } = w.layers[l]!;
    let x: Float64Array | undefined;
    if (l === 0 && w.embedding !== undefined) {
      x = new Float64Array(T * B * inSize);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const row = tokens[b * T + t]! * inSize;
          x.set(w.embedding.subarray(row, row + inSize), (t * B + b) * inSize);
        }
      }
      const mask = masks?.input;
      if (mask !== undefined) for (let i = 0; i < x.length; i++) x[i] = x[i]! * mask[i]!;
    } else if (l > 0) {
      x = below!.slice(B * H);
      const mask = masks?.between[l - 1];
      if (mask !== undefined) for (let i = 0; i < x.length; i++) x[i] = x[i]! * mask[i]!;
    }
    const h = new Float64Array((T + 1) * B * H);
    for (let i = 0; i < B * H; i++) h[i] = init.h[l * B * H + i]!;
    let c: Float64Array | undefined;
    if (cell === "lstm") {
      c = new Float64Array((T + 1) * B * H);
      for (let i = 0; i < B * H; i++) c[i] = init.c![l * B * H + i]!;
    }
    const gates = cell === "rnn" ? undefined : new Float64Array(T * B * GH);
    const hn = cell === "gru" ? new Float64Array(T * B * H) : undefined;

    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const tb = t * B + b;
        const hPrev = tb * H;
        // pre-activations: input part and recurrent part kept apart (the GRU needs them separately)
        for (let r = 0; r < GH; r++) {
          let si = bih[r]!;
          if (x === undefined) {
            si += wih[r * inSize + tokens[b * T + t]!]!;
          } else {
            const xo = tb * inSize;
            const wo = r * inSize;
            for (let k = 0; k < inSize; k++) si += wih[wo + k]! * x[xo + k]!;
          }
          let sh = bhh[r]!;
          const wo = r * H;
          for (let k = 0; k < H; k++) sh += whh[wo + k]! * h[hPrev + k]!;
          gi[r] = si;
          gh[r] = sh;
        }
        const hOut = (tb + B) * H;
        if (cell === "rnn") {
          for (let j = 0; j < H; j++) h[hOut + j] = Math.tanh(gi[j]! + gh[j]!);
        } else if (cell === "gru") {
          const go = tb * GH;
          for (let j = 0; j < H; j++) {
            const r = sigmoid(gi[j]! + gh[j]!);
            const z = sigmoid(gi[H + j]! + gh[H + j]!);
            const hnj = gh[2 * H + j]!;
            const n = Math.tanh(gi[2 * H + j]! + r * hnj);
            gates![go + j] = r;
            gates![go + H + j] = z;
            gates![go + 2 * H + j] = n;
            hn![tb * H + j] = hnj;
            h[hOut + j] = (1 - z) * n + z * h[hPrev + j]!;
          }
        } else {
          const go = tb * GH;
          for (let j = 0; j < H; j++) {
            const i = sigmoid(gi[j]! + gh[j]!);
            const f = sigmoid(gi[H + j]! + gh[H + j]!);
            const g = Math.tanh(gi[2 * H + j]! + gh[2 * H + j]!);
            const o = sigmoid(gi[3 * H + j]! + gh[3 * H + j]!);
            gates![go + j] = i;
            gates![go + H + j] = f;
            gates![go + 2 * H + j] = g;
            gates![go + 3 * H + j] = o;
            const cNew = f * c![hPrev + j]! + i * g;
            c![hOut + j] = cNew;
            h[hOut + j] = o * Math.tanh(cNew);
          }
        }
      }
    }
    layers.push({ inSize, x, h, c, gates, hn });
    below = h;
  }

  const top = below!.slice(B * H);
  if (masks?.output !== undefined) for (let i = 0; i < top.length; i++) top[i] = top[i]! * masks.output[i]!;
  // A classifier projects the pooled state instead (classifier.ts): no per-step logits.
  if (config.head?.kind === "classifier") {
    return { batch: B, steps: T, tokens, layers, top, logits: new Float64Array(0), masks };
  }
  const logits = new Float64Array(B * T * V);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const ho = (t * B + b) * H;
      const lo = (b * T + t) * V;
      for (let v = 0; v < V; v++) {
        let s = w.outB[v]!;
        const wo = v * H;
        for (let k = 0; k < H; k++) s += w.outW[wo + k]! * top[ho + k]!;
        logits[lo + v] = s;
      }
    }
  }
  return { batch: B, steps: T, tokens, layers, top, logits, masks };
}

/** The state after the last step, as float32 `[layers, B, H]`. */
export function finalState(config: ModelConfig, cache: ReferenceCache): RnnState {
  const { batch: B, steps: T } = cache;
  const H = config.hidden;
  const state = zeroState(config, B);
  cache.layers.forEach((layer, l) => {
    for (let i = 0; i < B * H; i++) {
      state.h[l * B * H + i] = layer.h[T * B * H + i]!;
      if (state.c !== undefined) state.c[l * B * H + i] = layer.c![T * B * H + i]!;
    }
  });
  return state;
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
