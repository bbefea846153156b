import type { CellType, ModelConfig } from "@charrnn/models";
import * as tf from "@tensorflow/tfjs-core";
import { sumRows, type TfjsOps } from "./tfjs-ops";

/**
 * One window on the backend. Inputs come per time step, and whole-window tensors are time-major
 * (position p = t·batch + b): a step's rows are then contiguous, and the per-step tensors can be
 * concatenated cheaply, while splitting a whole-window tensor into steps is costly on wasm.
 */
export interface TfjsWindow {
  batch: number;
  steps: number;
  /** One-hot input rows per step, `[batch, vocab]` float32. */
  inputs: tf.Tensor2D[];
  /** Target ids `[steps·batch]` int32. */
  targets: tf.Tensor1D;
  /** Per-position weights `[steps·batch]`; absent = every position counts. */
  mask?: tf.Tensor1D;
  /** Initial state `[layers, batch, hidden]`. */
  h0: tf.Tensor3D;
  c0?: tf.Tensor3D;
  /** Per layer, per step: inverted-dropout multipliers `[batch, hidden]` applied to the layer's output. */
  dropout?: tf.Tensor2D[][];
  /** Per step: inverted-dropout multipliers `[batch, embed]` applied to the embedded inputs. */
  inputDropout?: tf.Tensor2D[];
}

/** Gate blocks of each cell's weights, in PyTorch order: LSTM i,f,g,o; GRU r,z,n. */
const GATES: Record<CellType, number> = { rnn: 1, gru: 3, lstm: 4 };

/**
 * What one step's forward leaves for its backward: the local derivatives that turn the step's dL/dh
 * (and LSTM's dL/dc) into gate gradients, formed while the activations are at hand. Named per cell,
 * as the ORT engine's `StepCache`. Type aliases, not interfaces, so tf.tidy can return them.
 */
type StepCache =
  /** tanh′ of the new state. */
  | { cell: "rnn"; dTanh: tf.Tensor2D }
  /**
   * `dcOfDh = o·tanh′(c)` turns dh into this step's share of dc; `gates` = [g·σ′(i), c_prev·σ′(f),
   * i·tanh′(g), tanh(c)·σ′(o)] turns [dc, dc, dc, dh] into the gate gradients; `f` carries dc back.
   */
  | { cell: "lstm"; dcOfDh: tf.Tensor2D; gates: tf.Tensor2D; f: tf.Tensor2D }
  /**
   * `[dh, dh, dh]` times `recurrent` gives the recurrent product's gradient (n-part scaled by r),
   * times `input` the input projection's; `z` carries dh straight to h_{t−1}.
   */
  | { cell: "gru"; recurrent: tf.Tensor2D; input: tf.Tensor2D; z: tf.Tensor2D };

/** One forward step's outputs: the new state, and the cache when training. */
type StepOut = { h: tf.Tensor2D; c?: tf.Tensor2D; cache?: StepCache };

/** What the backward pass needs from one layer's forward. */
interface LayerCache {
  /** Layer input `[N, in]` (one-hot rows, embeddings, or the layer below's output after dropout) and h_{t−1} `[N, H]`. */
  input: tf.Tensor2D;
  hPrev: tf.Tensor2D;
  /** Per step. */
  steps: StepCache[];
}

export interface TfjsForward {
  /** Sum of masked per-position cross-entropy, and the weight it covers. */
  lossSum: tf.Scalar;
  count: tf.Scalar;
  /** Time-major logits `[steps·batch, vocab]`. */
  logits: tf.Tensor2D;
  h: tf.Tensor3D;
  c?: tf.Tensor3D;
  /** Present when the forward ran for training. */
  layers?: LayerCache[];
  /** Input of the output projection (after dropout) `[N, H]`, log-probabilities and one-hot targets `[N, V]`. */
  top: tf.Tensor2D;
  logProbs: tf.Tensor2D;
  labels: tf.Tensor2D;
}

type Param = (name: string) => tf.Tensor;

/**
 * The whole-window forward pass in PyTorch layout. Per step and layer: one matmul per gate of
 * [x_t, h_{t−1}] with [W_ih, W_hh]ᵀ (gates as separate [B, H] blocks, the weights split by gate once
 * per window, because splitting a fused [B, 4H] product costs more than the product on both embedded
 * backends), the nonlinearities, and, when `training`, the local derivatives the backward needs, all
 * in one tf.tidy. The output layer is one matmul over the window. Embedding lookups are matmuls with
 * the one-hot rows: exact, and faster than Gather on wasm.
 */
export function forwardWindow(
  config: ModelConfig,
  param: Param,
  win: TfjsWindow,
  ops: TfjsOps,
  training: boolean,
): TfjsForward {
  const h0 = tf.unstack(win.h0) as tf.Tensor2D[];
  const c0 = win.c0 === undefined ? undefined : (tf.unstack(win.c0) as tf.Tensor2D[]);
  const embedding = config.input === "embedding" ? (param("embedding.weight") as tf.Tensor2D) : undefined;
  const inputMask = win.inputDropout;
  let xs =
    embedding === undefined
      ? win.inputs
      : win.inputs.map((x, t) => {
          const e = tf.matMul<tf.Tensor2D>(x, embedding);
          if (inputMask === undefined) return e;
          const dropped = tf.mul<tf.Tensor2D>(e, inputMask[t]!);
          e.dispose();
          return dropped;
        });
  const layers: LayerCache[] = [];
  const finalH: tf.Tensor2D[] = [];
  const finalC: tf.Tensor2D[] = [];
  for (let k = 0; k < config.layers; k++) {
    const out = forwardLayer(config.cell, k, param, ops, xs, h0[k]!, c0?.[k], training);
    if (out.cache !== undefined) layers.push(out.cache);
    finalH.push(out.h);
    if (out.c !== undefined) finalC.push(out.c);
    if (xs !== win.inputs) tf.dispose(xs); // in out.cache.input when training
    const mask = win.dropout?.[k];
    xs = mask === undefined ? out.hs : out.hs.map((h, t) => tf.mul(h, mask[t]!));
    if (mask !== undefined) tf.dispose(out.hs);
  }

  const top = tf.concat<tf.Tensor2D>(xs);
  tf.dispose(xs);
  const wOut = ops.prepareT(param("output.weight") as tf.Tensor2D);
  const logits = tf.add<tf.Tensor2D>(ops.mulT(top, wOut), param("output.bias"));
  const logProbs = tf.logSoftmax(logits);
  const labels = oneHotFloat(win.targets, config.vocabSize);
  const ce = tf.neg(tf.sum(tf.mul(labels, logProbs), 1));
  const lossSum = win.mask === undefined ? tf.sum(ce) : tf.sum(tf.mul(ce, win.mask));
  const count = win.mask === undefined ? tf.scalar(win.steps * win.batch) : tf.sum(win.mask);
  return {
    lossSum: lossSum as tf.Scalar,
    count: count as tf.Scalar,
    logits,
    h: tf.stack(finalH) as tf.Tensor3D,
    c: finalC.length > 0 ? (tf.stack(finalC) as tf.Tensor3D) : undefined,
    layers: training ? layers : undefined,
    top,
    logProbs,
    labels,
  };
}

function forwardLayer(
  cell: CellType,
  k: number,
  param: Param,
  ops: TfjsOps,
  xs: tf.Tensor2D[],
  h0: tf.Tensor2D,
  c0: tf.Tensor2D | undefined,
  training: boolean,
): { cache?: LayerCache; hs: tf.Tensor2D[]; h: tf.Tensor2D; c?: tf.Tensor2D } {
  const gates = GATES[cell];
  const wIh = ops.splitRows(param(`rnn.weight_ih_l${k}`) as tf.Tensor2D, gates);
  const wHh = ops.splitRows(param(`rnn.weight_hh_l${k}`) as tf.Tensor2D, gates);
  const bIh = tf.split(param(`rnn.bias_ih_l${k}`), gates);
  const bHh = tf.split(param(`rnn.bias_hh_l${k}`), gates);
  // One product of [x, h] per gate, both biases added once; GRU's n gate keeps its two parts apart,
  // because the reset gate multiplies W_hn·h + b_hn.
  const fused = cell === "gru" ? 2 : gates;
  const w = Array.from({ length: fused }, (_, g) => ops.prepareT(tf.concat([wIh[g]!, wHh[g]!], 1)));
  const b = Array.from({ length: fused }, (_, g) => tf.add(bIh[g]!, bHh[g]!));
  const gru = cell === "gru" ? { wIn: ops.prepareT(wIh[2]!), wHn: ops.prepareT(wHh[2]!) } : undefined;
  const pre = (g: number, xh: tf.Tensor2D): tf.Tensor2D => tf.add(ops.mulT(xh, w[g]!), b[g]!);

  const hs: tf.Tensor2D[] = [];
  const steps: StepCache[] = [];
  let h = h0;
  let c = c0;
  for (let t = 0; t < xs.length; t++) {
    const hPrev = h;
    const cPrev = c;
    const x = xs[t]!;
    const out = tf.tidy((): StepOut => {
      const xh = tf.concat([x, hPrev], 1);
      if (cell === "rnn") {
        const hNew = tf.tanh(pre(0, xh));
        return { h: hNew, cache: training ? { cell, dTanh: tanhDerivative(hNew) } : undefined };
      }
      if (cell === "lstm") {
        const i = tf.sigmoid(pre(0, xh));
        const f = tf.sigmoid(pre(1, xh));
        const g = tf.tanh(pre(2, xh));
        const o = tf.sigmoid(pre(3, xh));
        const cNew = tf.add<tf.Tensor2D>(tf.mul(f, cPrev!), tf.mul(i, g));
        const tc = tf.tanh(cNew);
        const hNew = tf.mul<tf.Tensor2D>(o, tc);
        if (!training) return { h: hNew, c: cNew };
        // dc = dh·o·tanh′(c) + dc_next; [dai, daf, dag, dao] = [dc, dc, dc, dh] ⊙ gates; dc_next = dc·f.
        const gates = tf.concat(
          [
            tf.mul(g, sigmoidDerivative(i)),
            tf.mul(cPrev!, sigmoidDerivative(f)),
            tf.mul(i, tanhDerivative(g)),
            tf.mul(tc, sigmoidDerivative(o)),
          ],
          1,
        ) as tf.Tensor2D;
        return { h: hNew, c: cNew, cache: { cell, dcOfDh: tf.mul(o, tanhDerivative(tc)), gates, f } };
      }
      const r = tf.sigmoid(pre(0, xh));
      const z = tf.sigmoid(pre(1, xh));
      const hn = tf.add<tf.Tensor2D>(ops.mulT(hPrev, gru!.wHn), bHh[2]!);
      const n = tf.tanh(tf.add<tf.Tensor2D>(tf.add(ops.mulT(x, gru!.wIn), bIh[2]!), tf.mul(r, hn)));
      const hNew = tf.add<tf.Tensor2D>(n, tf.mul(z, tf.sub(hPrev, n))); // (1−z)·n + z·h
      if (!training) return { h: hNew };
      // dan = dh·(1−z)·tanh′(n); dar = dan·hn·σ′(r); daz = dh·(h_prev−n)·σ′(z). The recurrent
      // product gets [dar, daz, dan·r] = [dh, dh, dh] ⊙ recurrent, the input projection [dar, daz, dan].
      const an = tf.mul(tf.sub(1, z), tanhDerivative(n));
      const ar = tf.mul(tf.mul(an, hn), sigmoidDerivative(r));
      const az = tf.mul(tf.sub(hPrev, n), sigmoidDerivative(z));
      const recurrent = tf.concat([ar, az, tf.mul(an, r)], 1) as tf.Tensor2D;
      return { h: hNew, cache: { cell, recurrent, input: tf.concat([ar, az, an], 1) as tf.Tensor2D, z } };
    });
    h = out.h;
    hs.push(h);
    if (cell === "lstm") {
      c = out.c;
      if (cPrev !== c0) cPrev!.dispose(); // the cache holds what the backward needs of it
    }
    if (out.cache !== undefined) steps.push(out.cache);
  }
  const cache = training
    ? { input: tf.concat(xs), hPrev: tf.concat([h0, ...hs.slice(0, -1)]), steps }
    : undefined;
  // Clones (which share data) so the caller may dispose every per-step output.
  return { cache, hs, h: tf.clone(h), c: c === undefined ? undefined : tf.clone(c) };
}

/**
 * Hand-written BPTT over the window: the gradient of the mean loss `lossSum / count` for every
 * parameter. The final state's gradient is zero (truncated BPTT). Written out rather than taken
 * from tf.grad because tfjs-core's Node bundle registers no op gradients (they ship with the
 * @tensorflow/tfjs umbrella package), and because it keeps the per-step loop to a handful of [B, H]
 * products and the matmuls that carry the gradient to h_{t−1} and to the layer below (the local
 * derivatives come from the forward), with every weight gradient one matmul over all steps.
 * Consumes the forward's per-step caches.
 */
export function backwardWindow(
  config: ModelConfig,
  param: Param,
  win: TfjsWindow,
  fwd: TfjsForward,
  ops: TfjsOps,
): Map<string, tf.Tensor> {
  const { batch, steps } = win;
  const grads = new Map<string, tf.Tensor>();
  const n = batch * steps;
  const weight =
    win.mask === undefined ? tf.div(1, fwd.count) : tf.reshape(tf.div(win.mask, fwd.count), [n, 1]);
  const dLogits = tf.mul<tf.Tensor2D>(tf.sub(tf.exp(fwd.logProbs), fwd.labels), weight);
  grads.set("output.weight", ops.tMul(dLogits, fwd.top));
  grads.set("output.bias", sumRows(dLogits));
  const wOut = param("output.weight") as tf.Tensor2D;
  // dL/d(top) per step; splitting the [N, V] logit gradient is cheaper than splitting [N, H].
  let dOuts = ops.splitRows(dLogits, steps).map((d) => {
    const out = tf.matMul<tf.Tensor2D>(d, wOut);
    d.dispose();
    return out;
  });

  for (let k = config.layers - 1; k >= 0; k--) {
    const mask = win.dropout?.[k];
    if (mask !== undefined) {
      const masked = dOuts.map((d, t) => tf.mul<tf.Tensor2D>(d, mask[t]!));
      tf.dispose(dOuts);
      dOuts = masked;
    }
    const cache = fwd.layers![k]!;
    const wIh = param(`rnn.weight_ih_l${k}`) as tf.Tensor2D;
    const wHh = param(`rnn.weight_hh_l${k}`) as tf.Tensor2D;
    const needDx = k > 0 || config.input === "embedding";
    const out = backwardLayer(config.cell, wHh, needDx ? wIh : undefined, cache.steps, dOuts);
    grads.set(`rnn.weight_hh_l${k}`, ops.tMul(out.dRec, cache.hPrev));
    grads.set(`rnn.bias_hh_l${k}`, sumRows(out.dRec));
    grads.set(
      `rnn.bias_ih_l${k}`,
      out.dPre === out.dRec ? tf.clone(grads.get(`rnn.bias_hh_l${k}`)!) : sumRows(out.dPre),
    );
    grads.set(`rnn.weight_ih_l${k}`, ops.tMul(out.dPre, cache.input));
    tf.dispose([out.dPre, out.dRec]);
    dOuts = out.dxs;
  }
  if (config.input === "embedding") {
    const inputMask = win.inputDropout;
    const dx =
      inputMask === undefined
        ? tf.concat(dOuts)
        : tf.concat(dOuts.map((d, t) => tf.mul<tf.Tensor2D>(d, inputMask[t]!)));
    grads.set("embedding.weight", ops.tMul(tf.concat(win.inputs), dx));
  }
  return grads;
}

/**
 * One layer's BPTT given dL/d(output) per step. Returns the gradients of the input projection
 * (x·W_ihᵀ + b_ih) and of the recurrent product (h·W_hhᵀ + b_hh) at every position, `[N, gates·H]`
 * (they differ only for GRU, whose reset gate multiplies the recurrent n-part), and, given `wIh`, the
 * gradient of each step's input. Disposes `dOuts` and the step caches as it goes, which keeps the heap
 * small and warm.
 */
function backwardLayer(
  cell: CellType,
  wHh: tf.Tensor2D,
  wIh: tf.Tensor2D | undefined,
  caches: StepCache[],
  dOuts: tf.Tensor2D[],
): { dPre: tf.Tensor2D; dRec: tf.Tensor2D; dxs: tf.Tensor2D[] } {
  const steps = dOuts.length;
  const dRecs: tf.Tensor2D[] = new Array(steps);
  const dPres: tf.Tensor2D[] = new Array(steps);
  const dxs: tf.Tensor2D[] = new Array(steps);
  let dhNext: tf.Tensor2D | undefined;
  let dcNext: tf.Tensor2D | undefined;
  for (let t = steps - 1; t >= 0; t--) {
    const dhIn = dhNext;
    const dcIn = dcNext;
    const at = caches[t]!;
    const out = tf.tidy(() => {
      const dh = dhIn === undefined ? dOuts[t]! : tf.add<tf.Tensor2D>(dOuts[t]!, dhIn);
      let rec: tf.Tensor2D;
      let pre: tf.Tensor2D;
      let dhPrev: tf.Tensor2D;
      let dcPrev: tf.Tensor2D | undefined;
      if (at.cell === "rnn") {
        rec = pre = tf.mul<tf.Tensor2D>(dh, at.dTanh);
        dhPrev = tf.matMul(rec, wHh);
      } else if (at.cell === "lstm") {
        const dcOwn = tf.mul<tf.Tensor2D>(dh, at.dcOfDh);
        const dc = dcIn === undefined ? dcOwn : tf.add<tf.Tensor2D>(dcOwn, dcIn);
        rec = pre = tf.mul(tf.concat([dc, dc, dc, dh], 1), at.gates);
        dhPrev = tf.matMul(rec, wHh);
        dcPrev = tf.mul<tf.Tensor2D>(dc, at.f);
      } else {
        const dh3 = tf.concat([dh, dh, dh], 1);
        rec = tf.mul(dh3, at.recurrent);
        pre = tf.mul(dh3, at.input);
        dhPrev = tf.add(tf.mul(dh, at.z), tf.matMul(rec, wHh));
      }
      return {
        rec,
        pre,
        dx: wIh === undefined ? undefined : tf.matMul<tf.Tensor2D>(pre, wIh),
        dhPrev,
        dcPrev,
      };
    });
    dRecs[t] = out.rec;
    dPres[t] = out.pre;
    if (out.dx !== undefined) dxs[t] = out.dx;
    dhNext = out.dhPrev;
    dcNext = out.dcPrev;
    tf.dispose([at, dOuts[t]!, ...(dhIn ? [dhIn] : []), ...(dcIn ? [dcIn] : [])]);
  }
  tf.dispose([dhNext!, ...(dcNext ? [dcNext] : [])]);
  const dRec = concatAndDispose(dRecs);
  const dPre = cell === "gru" ? concatAndDispose(dPres) : dRec;
  return { dPre, dRec, dxs: wIh === undefined ? [] : dxs };
}

function concatAndDispose(pieces: tf.Tensor2D[]): tf.Tensor2D {
  const whole = tf.concat(pieces);
  tf.dispose(pieces);
  return whole;
}

function tanhDerivative<T extends tf.Tensor>(y: T): T {
  return tf.sub(1, tf.square(y));
}

function sigmoidDerivative<T extends tf.Tensor>(s: T): T {
  return tf.mul(s, tf.sub(1, s));
}

/** One-hot rows as float32. Cast rather than oneHot's dtype argument, which wasm's OneHot kernel ignores. */
function oneHotFloat(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(ids, depth), "float32") as tf.Tensor2D;
}
