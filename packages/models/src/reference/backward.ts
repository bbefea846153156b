import type { ModelConfig } from "../config";
import { gateCount } from "../config";
import type { ReferenceCache } from "./forward";
import type { Weights } from "./weights";
import { zerosLike } from "./weights";

/**
 * Hand-written backprop through time. `dlogits` is d loss / d logits `[B, T, V]`.
 * `truncate` k limits how far back each loss term reaches: the loss at step t sends gradient through at
 * most k recurrent transitions (to steps t-k … t); earlier states are treated as constants. k ≥ T-1
 * is full BPTT over the window, done in one sweep; smaller k costs one sweep per step.
 */
export function backward(
  config: ModelConfig,
  w: Weights,
  cache: ReferenceCache,
  dlogits: Float64Array,
  truncate: number,
): Weights {
  const { batch: B, steps: T } = cache;
  const { hidden: H, vocabSize: V } = config;
  const grads = zerosLike(w);

  // Output projection: its gradient does not depend on the truncation.
  const dTop = new Float64Array(T * B * H);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const ho = (t * B + b) * H;
      const lo = (b * T + t) * V;
      for (let v = 0; v < V; v++) {
        const d = dlogits[lo + v]!;
        if (d === 0) continue;
        grads.outB[v] = grads.outB[v]! + d;
        const wo = v * H;
        for (let k = 0; k < H; k++) {
          grads.outW[wo + k] = grads.outW[wo + k]! + d * cache.top[ho + k]!;
          dTop[ho + k] = dTop[ho + k]! + d * w.outW[wo + k]!;
        }
      }
    }
  }
  backwardFromTop(config, w, cache, dTop, grads, truncate);
  return grads;
}

/**
 * BPTT from `dTop` = d loss / d (last layer's output after output dropout) `[T, B, H]` into the
 * recurrent and input weights of `grads` (accumulated). The language-model head and the classifier
 * head (whose gradient enters only at the pooled positions) both end here.
 */
export function backwardFromTop(
  config: ModelConfig,
  w: Weights,
  cache: ReferenceCache,
  dTop: Float64Array,
  grads: Weights,
  truncate: number,
): void {
  const T = cache.steps;
  const outMask = cache.masks?.output;
  if (outMask !== undefined) for (let i = 0; i < dTop.length; i++) dTop[i] = dTop[i]! * outMask[i]!;

  const sweeper = createSweeper(config, w, grads, cache, dTop);
  if (truncate >= T - 1) {
    sweeper(T - 1, 0, true);
  } else {
    for (let t = 0; t < T; t++) sweeper(t, Math.max(0, t - truncate), false);
  }
}

/**
 * Returns `sweep(hi, lo, injectAll)`: backprop from step `hi` down to step `lo`, injecting the output
 * gradient at every step (`injectAll`) or only at `hi`, and dropping the state gradient that would
 * flow into step `lo - 1`. Buffers are allocated once here.
 */
function createSweeper(
  config: ModelConfig,
  w: Weights,
  grads: Weights,
  cache: ReferenceCache,
  dTop: Float64Array,
) {
  const { batch: B, steps: T, tokens } = cache;
  const { hidden: H, cell } = config;
  const L = config.layers;
  const GH = gateCount(cell) * H;
  const dhCarry = Array.from({ length: L }, () => new Float64Array(B * H));
  const dcCarry = Array.from({ length: L }, () => new Float64Array(B * H));
  const maxIn = Math.max(H, ...w.layers.map((l) => l.inSize));
  let dxAbove = new Float64Array(B * maxIn);
  let dxHere = new Float64Array(B * maxIn);
  const dh = new Float64Array(H);
  const dpi = new Float64Array(GH);
  const dph = new Float64Array(GH);

  return (hi: number, lo: number, injectAll: boolean): void => {
    for (let l = 0; l < L; l++) {
      dhCarry[l]!.fill(0);
      dcCarry[l]!.fill(0);
    }
    for (let s = hi; s >= lo; s--) {
      const inject = injectAll || s === hi;
      for (let l = L - 1; l >= 0; l--) {
        const lw = w.layers[l]!;
        const lg = grads.layers[l]!;
        const lc = cache.layers[l]!;
        const inSize = lw.inSize;
        const carry = dhCarry[l]!;
        const cCarry = dcCarry[l]!;
        for (let b = 0; b < B; b++) {
          const tb = s * B + b;
          const hPrev = tb * H;
          const hCur = (tb + B) * H;
          for (let j = 0; j < H; j++) {
            let d = carry[b * H + j]!;
            if (l === L - 1) {
              if (inject) d += dTop[tb * H + j]!;
            } else {
              d += dxAbove[b * maxIn + j]!;
            }
            dh[j] = d;
          }
          // gate pre-activation gradients: dpi feeds W_ih/b_ih and x, dph feeds W_hh/b_hh and h_prev
          if (cell === "rnn") {
            for (let j = 0; j < H; j++) {
              const hv = lc.h[hCur + j]!;
              const d = dh[j]! * (1 - hv * hv);
              dpi[j] = d;
              dph[j] = d;
            }
          } else if (cell === "gru") {
            const go = tb * GH;
            const gates = lc.gates!;
            for (let j = 0; j < H; j++) {
              const r = gates[go + j]!;
              const z = gates[go + H + j]!;
              const n = gates[go + 2 * H + j]!;
              const d = dh[j]!;
              const dan = d * (1 - z) * (1 - n * n);
              const daz = d * (lc.h[hPrev + j]! - n) * z * (1 - z);
              const dar = dan * lc.hn![tb * H + j]! * r * (1 - r);
              dpi[j] = dar;
              dph[j] = dar;
              dpi[H + j] = daz;
              dph[H + j] = daz;
              dpi[2 * H + j] = dan;
              dph[2 * H + j] = dan * r;
            }
          } else {
            const go = tb * GH;
            const gates = lc.gates!;
            const c = lc.c!;
            for (let j = 0; j < H; j++) {
              const i = gates[go + j]!;
              const f = gates[go + H + j]!;
              const g = gates[go + 2 * H + j]!;
              const o = gates[go + 3 * H + j]!;
              const tc = Math.tanh(c[hCur + j]!);
              const d = dh[j]!;
              const dc = cCarry[b * H + j]! + d * o * (1 - tc * tc);
              dpi[j] = dc * g * i * (1 - i);
              dpi[H + j] = dc * c[hPrev + j]! * f * (1 - f);
              dpi[2 * H + j] = dc * i * (1 - g * g);
              dpi[3 * H + j] = d * tc * o * (1 - o);
              cCarry[b * H + j] = dc * f;
            }
            dph.set(dpi);
          }
          // weight gradients and the gradients flowing to x and h_prev
          const xo = tb * inSize;
          const x = lc.x;
          const dxo = b * maxIn;
          for (let k = 0; k < inSize; k++) dxHere[dxo + k] = 0;
          for (let j = 0; j < H; j++)
            carry[b * H + j] = cell === "gru" ? dh[j]! * lc.gates![tb * GH + H + j]! : 0;
          for (let r = 0; r < GH; r++) {
            const di = dpi[r]!;
            const dr = dph[r]!;
            lg.bih[r] = lg.bih[r]! + di;
            lg.bhh[r] = lg.bhh[r]! + dr;
            const wi = r * inSize;
            if (x === undefined) {
              const col = tokens[b * T + s]!;
              lg.wih[wi + col] = lg.wih[wi + col]! + di;
            } else {
              for (let k = 0; k < inSize; k++) {
                lg.wih[wi + k] = lg.wih[wi + k]! + di * x[xo + k]!;
                dxHere[dxo + k] = dxHere[dxo + k]! + di * lw.wih[wi + k]!;
              }
            }
            const wh = r * H;
            for (let k = 0; k < H; k++) {
              lg.whh[wh + k] = lg.whh[wh + k]! + dr * lc.h[hPrev + k]!;
              carry[b * H + k] = carry[b * H + k]! + dr * lw.whh[wh + k]!;
            }
          }
          if (l > 0) {
            const mask = cache.masks?.between[l - 1];
            if (mask !== undefined)
              for (let k = 0; k < H; k++) dxHere[dxo + k] = dxHere[dxo + k]! * mask[tb * H + k]!;
          } else if (grads.embedding !== undefined) {
            const row = tokens[b * T + s]! * inSize;
            const mask = cache.masks?.input;
            if (mask !== undefined)
              for (let k = 0; k < inSize; k++) dxHere[dxo + k] = dxHere[dxo + k]! * mask[tb * inSize + k]!;
            for (let k = 0; k < inSize; k++)
              grads.embedding[row + k] = grads.embedding[row + k]! + dxHere[dxo + k]!;
          }
        }
        const swap = dxAbove;
        dxAbove = dxHere;
        dxHere = swap;
      }
    }
  };
}
