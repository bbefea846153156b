import type { ModelConfig } from "@charrnn/models";
import * as tf from "@tensorflow/tfjs-core";

/** Time-major inputs of one window: position p = t·batch + b. */
export interface TfjsWindow {
  batch: number;
  steps: number;
  /** Input ids `[steps·batch]` int32. */
  ids: tf.Tensor1D;
  /** Target ids `[steps·batch]` int32. */
  targets: tf.Tensor1D;
  /** Per-position weights `[steps·batch]`; absent = every position counts. */
  mask?: tf.Tensor1D;
  /** Initial state `[layers, batch, hidden]`. */
  h0: tf.Tensor3D;
  c0?: tf.Tensor3D;
  /** Per-layer inverted-dropout multipliers `[steps·batch, hidden]` applied to each layer's output. */
  dropout?: tf.Tensor2D[];
}

/** What the backward pass needs from one layer's forward. */
interface LayerCache {
  /** Layer input `[N, in]`; absent for a one-hot first layer. */
  input?: tf.Tensor2D;
  /** h_{t−1} and h_t per step, `[B, H]`. */
  hPrev: tf.Tensor2D[];
  h: tf.Tensor2D[];
  /** Gate activations per step: LSTM i,f,g,o; GRU r,z,n and the recurrent n-part W_hn·h + b_hn. */
  gates: tf.Tensor2D[][];
  /** LSTM c_{t−1} and tanh(c_t) per step. */
  cPrev: tf.Tensor2D[];
  tanhC: tf.Tensor2D[];
}

export interface TfjsForward {
  /** Sum of masked per-position cross-entropy, and the weight it covers. */
  lossSum: tf.Scalar;
  count: tf.Scalar;
  /** Time-major logits `[steps·batch, vocab]`. */
  logits: tf.Tensor2D;
  h: tf.Tensor3D;
  c?: tf.Tensor3D;
  layers: LayerCache[];
  /** Input of the output projection (after dropout) `[N, H]`, log-probabilities and one-hot targets `[N, V]`. */
  top: tf.Tensor2D;
  logProbs: tf.Tensor2D;
  labels: tf.Tensor2D;
}

type Param = (name: string) => tf.Tensor;

/**
 * The whole-window forward pass in PyTorch layout, with few ops per time step: each layer projects
 * all T inputs with one matmul, then runs one recurrent matmul and the gate nonlinearities per step;
 * the output layer is one matmul over all positions. Keeps what `backwardWindow` needs.
 */
export function forwardWindow(config: ModelConfig, param: Param, win: TfjsWindow): TfjsForward {
  const { batch, steps } = win;
  const hidden = config.hidden;
  const h0 = tf.unstack(win.h0) as tf.Tensor2D[];
  const c0 = win.c0 === undefined ? undefined : (tf.unstack(win.c0) as tf.Tensor2D[]);
  const layers: LayerCache[] = [];
  const finalH: tf.Tensor2D[] = [];
  const finalC: tf.Tensor2D[] = [];
  let input: tf.Tensor2D | undefined =
    config.input === "embedding" ? tf.gather(param("embedding.weight") as tf.Tensor2D, win.ids) : undefined;

  for (let k = 0; k < config.layers; k++) {
    const wIh = param(`rnn.weight_ih_l${k}`) as tf.Tensor2D;
    const wHh = param(`rnn.weight_hh_l${k}`) as tf.Tensor2D;
    const bIh = param(`rnn.bias_ih_l${k}`) as tf.Tensor1D;
    const bHh = param(`rnn.bias_hh_l${k}`) as tf.Tensor1D;
    // GRU keeps b_hh inside the reset product; the other cells add both biases once up front.
    const inputBias = config.cell === "gru" ? bIh : tf.add<tf.Tensor1D>(bIh, bHh);
    const projected: tf.Tensor2D =
      input === undefined
        ? tf.add<tf.Tensor2D>(tf.gather(tf.transpose(wIh), win.ids), inputBias) // one-hot x·Wᵀ picks columns
        : linear(input, wIh, inputBias);
    const xs = tf.unstack(tf.reshape(projected, [steps, batch, -1])) as tf.Tensor2D[];
    const cache: LayerCache = { input, hPrev: [], h: [], gates: [], cPrev: [], tanhC: [] };
    let h = h0[k]!;
    let c = c0?.[k];
    for (let t = 0; t < steps; t++) {
      const x = xs[t]!;
      cache.hPrev.push(h);
      if (config.cell === "rnn") {
        h = tf.tanh(tf.add<tf.Tensor2D>(x, tf.matMul(h, wHh, false, true)));
      } else if (config.cell === "lstm") {
        const [ai, af, ag, ao] = tf.split(tf.add(x, tf.matMul(h, wHh, false, true)), 4, 1) as tf.Tensor2D[];
        const i = tf.sigmoid(ai!);
        const f = tf.sigmoid(af!);
        const g = tf.tanh(ag!);
        const o = tf.sigmoid(ao!);
        cache.cPrev.push(c!);
        c = tf.add<tf.Tensor2D>(tf.mul(f, c!), tf.mul(i, g));
        const tc = tf.tanh(c);
        h = tf.mul<tf.Tensor2D>(o, tc);
        cache.gates.push([i, f, g, o]);
        cache.tanhC.push(tc);
      } else {
        const hp = linear(h, wHh, bHh);
        const [xrz, xn] = tf.split(x, [2 * hidden, hidden], 1) as tf.Tensor2D[];
        const [hrz, hn] = tf.split(hp, [2 * hidden, hidden], 1) as tf.Tensor2D[];
        const [r, z] = tf.split(tf.sigmoid(tf.add(xrz!, hrz!)), 2, 1) as tf.Tensor2D[];
        const n = tf.tanh(tf.add<tf.Tensor2D>(xn!, tf.mul(r!, hn!)));
        h = tf.add<tf.Tensor2D>(n, tf.mul(z!, tf.sub(h, n))); // (1−z)·n + z·h
        cache.gates.push([r!, z!, n, hn!]);
      }
      cache.h.push(h);
    }
    layers.push(cache);
    finalH.push(h);
    if (c !== undefined) finalC.push(c);
    let output = tf.reshape<tf.Rank.R2>(tf.stack(cache.h), [steps * batch, hidden]);
    const mask = win.dropout?.[k];
    if (mask !== undefined) output = tf.mul(output, mask);
    input = output;
  }

  const top = input!;
  const logits = linear(top, param("output.weight") as tf.Tensor2D, param("output.bias") as tf.Tensor1D);
  const logProbs = tf.logSoftmax(logits);
  const labels = oneHotFloat(win.targets, config.vocabSize);
  const ce = tf.neg(tf.sum(tf.mul(labels, logProbs), 1));
  const lossSum = win.mask === undefined ? tf.sum(ce) : tf.sum(tf.mul(ce, win.mask));
  const count = win.mask === undefined ? tf.scalar(steps * batch) : tf.sum(win.mask);
  return {
    lossSum: lossSum as tf.Scalar,
    count: count as tf.Scalar,
    logits,
    h: tf.stack(finalH) as tf.Tensor3D,
    c: finalC.length > 0 ? (tf.stack(finalC) as tf.Tensor3D) : undefined,
    layers,
    top,
    logProbs,
    labels,
  };
}

/**
 * Hand-written BPTT over the window: the gradient of the mean loss `lossSum / count` for every
 * parameter. The final state's gradient is zero (truncated BPTT). Written out rather than taken
 * from tf.grad because tfjs-core's Node bundle registers no op gradients (they ship with the
 * @tensorflow/tfjs umbrella package), and because batching the weight gradients over all steps into
 * single matmuls is faster than the tape.
 */
export function backwardWindow(
  config: ModelConfig,
  param: Param,
  win: TfjsWindow,
  fwd: TfjsForward,
): Map<string, tf.Tensor> {
  const { batch, steps } = win;
  const grads = new Map<string, tf.Tensor>();
  const n = batch * steps;
  const weight =
    win.mask === undefined ? tf.div(1, fwd.count) : tf.reshape(tf.div(win.mask, fwd.count), [n, 1]);
  const dLogits = tf.mul<tf.Tensor2D>(tf.sub(tf.exp(fwd.logProbs), fwd.labels), weight);
  const wOut = param("output.weight") as tf.Tensor2D;
  grads.set("output.weight", tf.matMul(dLogits, fwd.top, true, false));
  grads.set("output.bias", tf.sum(dLogits, 0));
  let dOut = tf.matMul(dLogits, wOut);

  for (let k = config.layers - 1; k >= 0; k--) {
    const mask = win.dropout?.[k];
    if (mask !== undefined) dOut = tf.mul(dOut, mask);
    const cache = fwd.layers[k]!;
    const wIh = param(`rnn.weight_ih_l${k}`) as tf.Tensor2D;
    const wHh = param(`rnn.weight_hh_l${k}`) as tf.Tensor2D;
    const dOuts = tf.unstack(tf.reshape(dOut, [steps, batch, config.hidden])) as tf.Tensor2D[];
    const dPre: tf.Tensor[] = new Array(steps); // d / d (input projection) per step
    const dRec: tf.Tensor[] = new Array(steps); // d / d (h·W_hhᵀ + b_hh) per step
    let dhNext: tf.Tensor | undefined;
    let dcNext: tf.Tensor | undefined;
    for (let t = steps - 1; t >= 0; t--) {
      const dh = dhNext === undefined ? dOuts[t]! : tf.add(dOuts[t]!, dhNext);
      if (config.cell === "rnn") {
        const h = cache.h[t]!;
        const da = tf.mul(dh, tf.sub(1, tf.square(h)));
        dPre[t] = da;
        dRec[t] = da;
        dhNext = tf.matMul(da, wHh);
      } else if (config.cell === "lstm") {
        const [i, f, g, o] = cache.gates[t] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const tc = cache.tanhC[t]!;
        let dc = tf.mul(tf.mul(dh, o), tf.sub(1, tf.square(tc)));
        if (dcNext !== undefined) dc = tf.add(dc, dcNext);
        const dai = tf.mul(tf.mul(dc, g), sigmoidDerivative(i));
        const daf = tf.mul(tf.mul(dc, cache.cPrev[t]!), sigmoidDerivative(f));
        const dag = tf.mul(tf.mul(dc, i), tf.sub(1, tf.square(g)));
        const dao = tf.mul(tf.mul(dh, tc), sigmoidDerivative(o));
        dcNext = tf.mul(dc, f);
        const da = tf.concat([dai, daf, dag, dao], 1);
        dPre[t] = da;
        dRec[t] = da;
        dhNext = tf.matMul(da, wHh);
      } else {
        const [r, z, nGate, hn] = cache.gates[t] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dan = tf.mul(tf.mul(dh, tf.sub(1, z)), tf.sub(1, tf.square(nGate)));
        const dar = tf.mul(tf.mul(dan, hn), sigmoidDerivative(r));
        const daz = tf.mul(tf.mul(dh, tf.sub(cache.hPrev[t]!, nGate)), sigmoidDerivative(z));
        dPre[t] = tf.concat([dar, daz, dan], 1);
        const rec = tf.concat([dar, daz, tf.mul(dan, r)], 1);
        dRec[t] = rec;
        dhNext = tf.add(tf.mul(dh, z), tf.matMul(rec, wHh));
      }
    }
    // Weight gradients over all steps at once: one matmul each instead of one per step.
    const dP = tf.concat(dPre, 0);
    const dR = config.cell === "gru" ? tf.concat(dRec, 0) : dP;
    grads.set(`rnn.weight_hh_l${k}`, tf.matMul(dR, tf.concat(cache.hPrev, 0), true, false));
    grads.set(`rnn.bias_hh_l${k}`, tf.sum(dR, 0));
    grads.set(`rnn.bias_ih_l${k}`, tf.sum(dP, 0));
    if (cache.input === undefined) {
      grads.set(`rnn.weight_ih_l${k}`, tf.transpose(scatterAddRows(dP, win.ids, config.vocabSize)));
    } else {
      grads.set(`rnn.weight_ih_l${k}`, tf.matMul(dP, cache.input, true, false));
      dOut = tf.matMul(dP, wIh);
    }
  }
  if (config.input === "embedding") {
    grads.set("embedding.weight", scatterAddRows(dOut, win.ids, config.vocabSize));
  }
  return grads;
}

/**
 * x·Wᵀ + b. Not tf.fused.matMul: tfjs-backend-wasm 4.22's _FusedMatMul adds the wrong bias entries
 * to every row after the first.
 */
function linear(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.add<tf.Tensor2D>(tf.matMul(x, w, false, true), bias);
}

function sigmoidDerivative(s: tf.Tensor): tf.Tensor {
  return tf.mul(s, tf.sub(1, s));
}

/**
 * Σ of `dy`'s rows into `rows` buckets by id: an embedding lookup's gradient. The wasm backend has
 * no UnsortedSegmentSum kernel; there the sum is oneHot(ids)ᵀ · dy.
 */
export function scatterAddRows(dy: tf.Tensor, ids: tf.Tensor1D, rows: number): tf.Tensor {
  if (tf.getKernel("UnsortedSegmentSum", tf.getBackend()) !== undefined) {
    return tf.unsortedSegmentSum(dy, ids, rows);
  }
  return tf.matMul(oneHotFloat(ids, rows), dy, true, false);
}

/** One-hot rows as float32. Cast rather than oneHot's dtype argument, which wasm's OneHot kernel ignores. */
function oneHotFloat(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(ids, depth), "float32") as tf.Tensor2D;
}
