import { createRng } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../config";
import { initParams } from "../init-params";
import type { NamedTensors } from "../tensor";
import { referenceForward } from "./forward";
import { maxRelativeError } from "./loss";
import { referenceLossAndGrads } from "./loss-and-grads";

// A one-unit tanh RNN on one-hot input (V = 2), written out as scalars so the truncated gradient can be
// derived by hand: h_t = tanh(u[x_t] + b + w h_{t-1}), logits_t = a h_t + c.
const config = defaultConfig({ cell: "rnn", layers: 1, hidden: 1, vocabSize: 2, input: "onehot" });
const u = [0.3, -0.6];
const b = 0.1;
const w = 0.8;
const a = [1.5, -0.7];
const c = [0.2, -0.1];
const x = [0, 1, 1, 0];
const y = [1, 0, 1, 1];
const T = x.length;

const params: NamedTensors = new Map([
  ["rnn.weight_ih_l0", { shape: [1, 2], data: Float32Array.from(u) }],
  ["rnn.weight_hh_l0", { shape: [1, 1], data: Float32Array.of(w) }],
  ["rnn.bias_ih_l0", { shape: [1], data: Float32Array.of(b) }],
  ["rnn.bias_hh_l0", { shape: [1], data: Float32Array.of(0) }],
  ["output.weight", { shape: [2, 1], data: Float32Array.from(a) }],
  ["output.bias", { shape: [2], data: Float32Array.from(c) }],
]);
const f32 = (v: number): number => Math.fround(v);

/** d loss / d w when the loss at t reaches back `k` transitions, by the chain rule on scalars. */
function handGradW(k: number): number {
  const h = [0];
  for (let t = 0; t < T; t++) h.push(Math.tanh(f32(u[x[t]!]!) + f32(b) + f32(w) * h[t]!));
  let grad = 0;
  for (let t = 0; t < T; t++) {
    const ht = h[t + 1]!;
    const l0 = f32(a[0]!) * ht + f32(c[0]!);
    const l1 = f32(a[1]!) * ht + f32(c[1]!);
    const p1 = 1 / (1 + Math.exp(l0 - l1));
    const p = [1 - p1, p1];
    const dh =
      ((p[0]! - (y[t] === 0 ? 1 : 0)) * f32(a[0]!) + (p[1]! - (y[t] === 1 ? 1 : 0)) * f32(a[1]!)) / T;
    let da = dh * (1 - ht * ht);
    for (let s = t; s >= Math.max(0, t - k); s--) {
      grad += da * h[s]!; // d pre_s / d w = h_{s-1}, stored at h[s]
      da = da * f32(w) * (1 - h[s]! * h[s]!);
    }
  }
  return grad;
}

describe("truncated BPTT", () => {
  const batch = { x: Int32Array.from(x), y: Int32Array.from(y), batch: 1, steps: T };

  it("truncate=1 equals the hand-derived gradient and differs from full BPTT", () => {
    const truncated = referenceLossAndGrads(config, params, batch, undefined, { truncate: 1 });
    const full = referenceLossAndGrads(config, params, batch);
    const gw = truncated.grads.get("rnn.weight_hh_l0")!.data[0]!;
    expect(gw).toBeCloseTo(handGradW(1), 6);
    expect(full.grads.get("rnn.weight_hh_l0")!.data[0]!).toBeCloseTo(handGradW(T), 6);
    expect(Math.abs(gw - handGradW(T))).toBeGreaterThan(1e-4);
    expect(truncated.loss).toBe(full.loss);
    // the output layer does not see the recurrence
    expect(truncated.grads.get("output.weight")!.data).toEqual(full.grads.get("output.weight")!.data);
  });

  it("truncate ≥ steps-1 is full BPTT", () => {
    const full = referenceLossAndGrads(config, params, batch);
    const k = referenceLossAndGrads(config, params, batch, undefined, { truncate: T - 1 });
    for (const [name, g] of full.grads) expect(k.grads.get(name)!.data, name).toEqual(g.data);
  });

  it("on a 2-layer LSTM equals the mean of full BPTT over each loss term's last k+1 steps", () => {
    const lstm = defaultConfig({ cell: "lstm", layers: 2, hidden: 3, embed: 2, vocabSize: 4 });
    const p = initParams({ ...lstm, init: { kind: "uniform", scale: 0.6 } }, createRng(3));
    const B = 2;
    const steps = 5;
    const k = 2;
    const xs = Int32Array.of(0, 3, 1, 2, 2, 1, 1, 0, 3, 2);
    const ys = Int32Array.of(3, 1, 2, 2, 0, 1, 0, 3, 2, 1);
    const cols = (ids: Int32Array, from: number, to: number): Int32Array =>
      Int32Array.from(
        { length: B * (to - from) },
        (_, i) => ids[Math.floor(i / (to - from)) * steps + from + (i % (to - from))]!,
      );
    const expected = new Map<string, Float64Array>();
    for (let t = 0; t < steps; t++) {
      const lo = Math.max(0, t - k);
      const start = lo === 0 ? undefined : referenceForward(lstm, p, cols(xs, 0, lo), B, lo).state;
      const n = t + 1 - lo;
      const mask = Float32Array.from({ length: B * n }, (_, i) => (i % n === n - 1 ? 1 : 0));
      const sub = referenceLossAndGrads(
        lstm,
        p,
        { x: cols(xs, lo, t + 1), y: cols(ys, lo, t + 1), batch: B, steps: n, mask },
        start,
      );
      for (const [name, g] of sub.grads) {
        const acc = expected.get(name) ?? new Float64Array(g.data.length);
        for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + g.data[i]! / steps;
        expected.set(name, acc);
      }
    }
    const truncated = referenceLossAndGrads(lstm, p, { x: xs, y: ys, batch: B, steps }, undefined, {
      truncate: k,
    });
    const full = referenceLossAndGrads(lstm, p, { x: xs, y: ys, batch: B, steps });
    for (const [name, g] of truncated.grads) {
      expect(maxRelativeError(g.data, expected.get(name)!), name).toBeLessThan(1e-5);
    }
    expect(
      maxRelativeError(
        truncated.grads.get("rnn.weight_hh_l0")!.data,
        full.grads.get("rnn.weight_hh_l0")!.data,
      ),
    ).toBeGreaterThan(1e-4);
  });
});
