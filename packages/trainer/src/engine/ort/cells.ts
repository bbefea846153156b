import type { CellType } from "@charrnn/models";
import type { GraphBuilder } from "./graph-builder";

/** Names of one layer's weights inside the graph. */
export interface LayerWeights {
  wih: string;
  whh: string;
  bih: string;
  bhh: string;
}

/** What one step's forward leaves for its backward (value names). */
export interface StepCache {
  h: string;
  c?: string;
  hPrev: string;
  cPrev?: string;
  /** The activations the cell's backward reads, named per cell. */
  acts: CellActivations;
}

/** Per cell, the forward's activations the backward needs (value names); rnn needs only `h`. */
type CellActivations =
  | { cell: "rnn" }
  | { cell: "lstm"; sif: string; i: string; f: string; g: string; o: string; tc: string }
  | { cell: "gru"; rz: string; r: string; z: string; n: string; hn: string; hMinusN: string };

/** One step's gradients: w.r.t. the input projection, the recurrent projection and the carried state. */
export interface StepGrads {
  /** d loss / d (x·W_ihᵀ + b_ih) for this step, `[B, G·H]`. */
  dxp: string;
  /** d loss / d (h·W_hhᵀ + b_hh), `[B, G·H]` (the same as `dxp` except for GRU). */
  dhp: string;
  dhPrev: string;
  dcPrev?: string;
}

/**
 * One recurrent step: `xp` is this step's input projection `[B, G·H]` (for rnn/lstm it already
 * holds both biases; for GRU only `b_ih`, since reset-after needs `W_hn h + b_hn` apart).
 */
export function cellForward(
  g: GraphBuilder,
  cell: CellType,
  hidden: number,
  w: LayerWeights,
  xp: string,
  hPrev: string,
  cPrev: string | undefined,
): StepCache {
  const H = hidden;
  if (cell === "rnn") {
    const h = g.op("Tanh", [g.op("Gemm", [hPrev, w.whh, xp], { transB: 1 })]);
    return { h, hPrev, acts: { cell } };
  }
  if (cell === "lstm") {
    const gates = g.op("Gemm", [hPrev, w.whh, xp], { transB: 1 });
    const [gif, gg, go] = g.opN("Split", [gates, g.ints([2 * H, H, H])], 3, { axis: 1 });
    const sif = g.op("Sigmoid", [gif!]);
    const [i, f] = g.opN("Split", [sif], 2, { axis: 1 });
    const gt = g.op("Tanh", [gg!]);
    const o = g.op("Sigmoid", [go!]);
    const c = g.op("Add", [g.op("Mul", [f!, cPrev!]), g.op("Mul", [i!, gt])]);
    const tc = g.op("Tanh", [c]);
    const h = g.op("Mul", [o, tc]);
    return { h, c, hPrev, cPrev, acts: { cell, sif, i: i!, f: f!, g: gt, o, tc } };
  }
  const hp = g.op("Gemm", [hPrev, w.whh, w.bhh], { transB: 1 });
  const [xrz, xn] = g.opN("Split", [xp, g.ints([2 * H, H])], 2, { axis: 1 });
  const [hrz, hn] = g.opN("Split", [hp, g.ints([2 * H, H])], 2, { axis: 1 });
  const rz = g.op("Sigmoid", [g.op("Add", [xrz!, hrz!])]);
  const [r, z] = g.opN("Split", [rz], 2, { axis: 1 });
  const n = g.op("Tanh", [g.op("Add", [xn!, g.op("Mul", [r!, hn!])])]);
  const hMinusN = g.op("Sub", [hPrev, n]);
  const h = g.op("Add", [n, g.op("Mul", [z!, hMinusN])]);
  return { h, hPrev, acts: { cell: "gru", rz, r: r!, z: z!, n, hn: hn!, hMinusN } };
}

/** `a · (1 − a)`: the sigmoid's derivative from its output. */
function sigmoidGrad(g: GraphBuilder, a: string): string {
  return g.op("Mul", [a, g.op("Sub", [g.scalar(1), a])]);
}

/** `1 − a²`: tanh's derivative from its output. */
function tanhGrad(g: GraphBuilder, a: string): string {
  return g.op("Sub", [g.scalar(1), g.op("Mul", [a, a])]);
}

/**
 * Backward through one step: `dh` (and `dc`, absent at the window's last step) is the gradient
 * reaching this step's new state. Returns the step's gate gradients and the gradient of the state
 * it started from (`dhPrev` already includes the recurrent matmul `d·W_hh`).
 */
export function cellBackward(
  g: GraphBuilder,
  w: LayerWeights,
  cache: StepCache,
  dh: string,
  dc: string | undefined,
): StepGrads {
  const acts = cache.acts;
  if (acts.cell === "rnn") {
    const da = g.op("Mul", [dh, tanhGrad(g, cache.h)]);
    return { dxp: da, dhp: da, dhPrev: g.op("MatMul", [da, w.whh]) };
  }
  if (acts.cell === "lstm") {
    const { sif, i, f, g: gt, o, tc } = acts;
    const dgo = g.op("Mul", [g.op("Mul", [dh, tc]), sigmoidGrad(g, o)]);
    let dcTotal = g.op("Mul", [g.op("Mul", [dh, o]), tanhGrad(g, tc)]);
    if (dc !== undefined) dcTotal = g.op("Add", [dcTotal, dc]);
    const dsif = g.op("Concat", [g.op("Mul", [dcTotal, gt]), g.op("Mul", [dcTotal, cache.cPrev!])], {
      axis: 1,
    });
    const dgif = g.op("Mul", [dsif, sigmoidGrad(g, sif)]);
    const dgg = g.op("Mul", [g.op("Mul", [dcTotal, i]), tanhGrad(g, gt)]);
    const dgates = g.op("Concat", [dgif, dgg, dgo], { axis: 1 });
    return {
      dxp: dgates,
      dhp: dgates,
      dhPrev: g.op("MatMul", [dgates, w.whh]),
      dcPrev: g.op("Mul", [dcTotal, f]),
    };
  }
  const { rz, r, z, n, hn, hMinusN } = acts;
  // h' = n + z·(h − n): dn = dh·(1 − z), dz = dh·(h − n), direct dh·z.
  const dn = g.op("Sub", [dh, g.op("Mul", [dh, z])]);
  const dz = g.op("Mul", [dh, hMinusN]);
  const dan = g.op("Mul", [dn, tanhGrad(g, n)]);
  const dr = g.op("Mul", [dan, hn]);
  const drz = g.op("Mul", [g.op("Concat", [dr, dz], { axis: 1 }), sigmoidGrad(g, rz)]);
  const dxp = g.op("Concat", [drz, dan], { axis: 1 });
  const dhp = g.op("Concat", [drz, g.op("Mul", [dan, r])], { axis: 1 });
  const dhPrev = g.op("Add", [g.op("Mul", [dh, z]), g.op("MatMul", [dhp, w.whh])]);
  return { dxp, dhp, dhPrev };
}
