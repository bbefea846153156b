import type { RnnState } from "@charrnn/models";

/** A deep copy of a state. */
export function cloneState(state: RnnState): RnnState {
  const copy: RnnState = {
    layers: state.layers,
    batch: state.batch,
    hidden: state.hidden,
    h: state.h.slice(),
  };
  if (state.c !== undefined) copy.c = state.c.slice();
  return copy;
}

/**
 * A state of `rows.length` streams where stream i copies stream `rows[i]` of `state`; tiles a
 * one-stream state (rows all 0) or reorders beams.
 */
export function gatherState(state: RnnState, rows: ArrayLike<number>): RnnState {
  const { layers, batch, hidden } = state;
  const n = rows.length;
  const pick = (src: Float32Array): Float32Array => {
    const out = new Float32Array(layers * n * hidden);
    for (let l = 0; l < layers; l++) {
      for (let i = 0; i < n; i++) {
        const from = (l * batch + rows[i]!) * hidden;
        out.set(src.subarray(from, from + hidden), (l * n + i) * hidden);
      }
    }
    return out;
  };
  const out: RnnState = { layers, batch: n, hidden, h: pick(state.h) };
  if (state.c !== undefined) out.c = pick(state.c);
  return out;
}

/**
 * The last step's logits `[batch, V]` of a forward result, whether the engine honoured `lastOnly`
 * (`[batch, 1, V]`) or returned every step (`[batch, T, V]`).
 */
export function lastStepLogits(logits: Float32Array, batch: number, V: number): Float32Array {
  if (logits.length === batch * V) return logits;
  const T = logits.length / (batch * V);
  const out = new Float32Array(batch * V);
  for (let b = 0; b < batch; b++) out.set(logits.subarray((b * T + T - 1) * V, (b * T + T) * V), b * V);
  return out;
}
