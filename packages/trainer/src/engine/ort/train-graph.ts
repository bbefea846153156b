import {
  EMBEDDING_WEIGHT,
  expectedShapes,
  layerParamNames,
  type ModelConfig,
  OUTPUT_BIAS,
  OUTPUT_WEIGHT,
} from "@charrnn/models";
import { DataType } from "@charrnn/onnx/graph";
import { cellBackward, cellForward, type LayerWeights, type StepCache } from "./cells";
import { classifierHead, classifierInputs } from "./classifier-head";
import { GraphBuilder } from "./graph-builder";
import { type GraphKind, IO } from "./io-names";
import { softmaxHead } from "./softmax-head";

export type { GraphKind } from "./io-names";
export { IO } from "./io-names";

/**
 * Builds the ONNX graph of one `[batch, steps]` window, unrolled over the steps. Token inputs `x`,
 * `y` (int32) and `mask` (float) are time-major `[steps·batch]` (position t·batch + b); the state
 * `h0`/`c0` is `[layers, batch, hidden]`; every parameter is an input under its layout name, so an
 * update needs no new session; dropout multipliers `dropout_k` `[steps·batch, hidden]` scale layer
 * k's output (time-major, as `layerDropoutMasks` draws them), and `input_dropout` `[steps·batch, embed]`
 * the embedded inputs when the config has `inputDropout`. Gradient outputs are `grad.<param>`.
 *
 * Forward per layer: one Gemm for the input projection of every step, one Gemm + gate ops per step;
 * one Gemm for the output projection. Backward is hand-derived BPTT: one MatMul per step for the
 * recurrent gradient, then each weight gradient as a single Gemm over all steps.
 */
export function buildWindowGraph(
  config: ModelConfig,
  batch: number,
  steps: number,
  kind: GraphKind,
): Uint8Array {
  const g = new GraphBuilder();
  const { cell, layers, hidden: H, vocabSize: V } = config;
  const TB = steps * batch;
  const F = DataType.FLOAT;
  // Fed as int32 (no BigInt conversion in JS), used as int64, which every kernel here accepts.
  const x = g.op("Cast", [g.input(IO.x, DataType.INT32, [TB])], { to: DataType.INT64 });
  const classifier = config.head?.kind === "classifier";
  const y = classifier ? "" : g.op("Cast", [g.input(IO.y, DataType.INT32, [TB])], { to: DataType.INT64 });
  const mask = classifier ? "" : g.input(IO.mask, F, [TB]);
  const head = classifier ? classifierInputs(g, batch, steps) : undefined;
  const stateDims = [layers, batch, H];
  const h0 = g.input(IO.h0, F, stateDims);
  const c0 = cell === "lstm" ? g.input(IO.c0, F, stateDims) : undefined;
  for (const [name, shape] of expectedShapes(config)) g.input(name, F, shape);
  const dropout = kind === "train" && config.dropout > 0;
  const drop: string[] = [];
  if (dropout) for (let k = 0; k < layers; k++) drop.push(g.input(IO.dropout(k), F, [TB, H]));
  const inputDrop =
    kind === "train" && (config.inputDropout ?? 0) > 0
      ? g.input(IO.inputDropout, F, [TB, config.embed ?? 0])
      : undefined;
  const backward = kind !== "eval";
  const onehot = config.input === "onehot";
  const split = (value: string, axis: number, parts: number): string[] =>
    parts === 1 ? [value] : g.opN("Split", [value], parts, { axis });
  const stateRows = (state: string): string[] =>
    split(state, 0, layers).map((s) => g.op("Squeeze", [s, g.ints([0])]));

  const h0s = stateRows(h0);
  const c0s = c0 === undefined ? [] : stateRows(c0);
  const oneHotX = onehot || backward ? g.op("OneHot", [x, g.int(V), g.floats([2], [0, 1])]) : "";

  interface LayerTape {
    w: LayerWeights;
    input: string;
    caches: StepCache[];
  }
  const tapes: LayerTape[] = [];
  const finalH: string[] = [];
  const finalC: string[] = [];
  let below = ""; // the previous layer's outputs, [TB, H]
  for (let k = 0; k < layers; k++) {
    const names = layerParamNames(k);
    const w: LayerWeights = {
      wih: names.weightIh,
      whh: names.weightHh,
      bih: names.biasIh,
      bhh: names.biasHh,
    };
    const { wih, bih, bhh } = w;
    // rnn/lstm fold both biases into the input projection; GRU keeps b_hh for its reset-after n gate.
    const bias = cell === "gru" ? bih : g.op("Add", [bih, bhh]);
    let input: string;
    let xp: string;
    if (k === 0 && onehot) {
      input = oneHotX;
      xp = g.op("Add", [g.op("Gather", [g.op("Transpose", [wih], { perm: [1, 0] }), x], { axis: 0 }), bias]);
    } else {
      input = k === 0 ? g.op("Gather", [EMBEDDING_WEIGHT, x], { axis: 0 }) : below;
      if (k === 0 && inputDrop !== undefined) input = g.op("Mul", [input, inputDrop]);
      if (k > 0 && dropout) input = g.op("Mul", [input, drop[k - 1]!]);
      xp = g.op("Gemm", [input, wih, bias], { transB: 1 });
    }
    const xps = split(xp, 0, steps);
    const caches: StepCache[] = [];
    let h = h0s[k]!;
    let c = c0s[k];
    const outs: string[] = [];
    for (let t = 0; t < steps; t++) {
      const cache = cellForward(g, cell, H, w, xps[t]!, h, c);
      caches.push(cache);
      h = cache.h;
      c = cache.c;
      outs.push(h);
    }
    finalH.push(h);
    if (c !== undefined) finalC.push(c);
    below = steps === 1 ? outs[0]! : g.op("Concat", outs, { axis: 0 });
    tapes.push({ w, input, caches });
  }

  const stack = (rows: string[]): string =>
    g.op(
      "Concat",
      rows.map((r) => g.op("Unsqueeze", [r, g.ints([0])])),
      { axis: 0 },
    );
  g.output(IO.h, stack(finalH), F, stateDims);
  if (cell === "lstm") g.output(IO.c, stack(finalC), F, stateDims);

  const top = dropout ? g.op("Mul", [below, drop[layers - 1]!]) : below;
  const grads = new Map<string, string>();
  let dOut: string;
  if (head !== undefined) {
    const dTop = classifierHead(g, config, head, top, batch, steps, kind, grads);
    if (dTop === undefined) return g.build("charrnn_eval");
    dOut = dTop;
  } else {
    const dTop = softmaxHead(
      g,
      {
        input: top,
        weight: OUTPUT_WEIGHT,
        bias: OUTPUT_BIAS,
        targets: y,
        weights: mask,
        rows: TB,
        classes: V,
        emitLogits: kind === "grads",
      },
      kind,
      grads,
    );
    if (dTop === undefined) return g.build("charrnn_eval");
    dOut = dTop;
  }
  if (dropout) dOut = g.op("Mul", [dOut, drop[layers - 1]!]);

  for (let k = layers - 1; k >= 0; k--) {
    const { w, input, caches } = tapes[k]!;
    const dys = split(dOut, 0, steps);
    const dxps: string[] = new Array(steps);
    const dhps: string[] = new Array(steps);
    let dh: string | undefined;
    let dc: string | undefined;
    for (let t = steps - 1; t >= 0; t--) {
      const dhTotal = dh === undefined ? dys[t]! : g.op("Add", [dys[t]!, dh]);
      const step = cellBackward(g, w, caches[t]!, dhTotal, dc);
      dxps[t] = step.dxp;
      dhps[t] = step.dhp;
      dh = step.dhPrev;
      dc = step.dcPrev;
    }
    const concat = (parts: string[]): string =>
      steps === 1 ? parts[0]! : g.op("Concat", parts, { axis: 0 });
    const dxp = concat(dxps);
    const dhp = cell === "gru" ? concat(dhps) : dxp;
    const hPrevs = concat(caches.map((s) => s.hPrev));
    grads.set(w.wih, g.op("Gemm", [dxp, input], { transA: 1 }));
    grads.set(w.whh, g.op("Gemm", [dhp, hPrevs], { transA: 1 }));
    const dbih = g.op("ReduceSum", [dxp, g.ints([0])], { keepdims: 0 });
    grads.set(w.bih, dbih);
    grads.set(w.bhh, cell === "gru" ? g.op("ReduceSum", [dhp, g.ints([0])], { keepdims: 0 }) : dbih);
    if (k > 0) {
      dOut = g.op("MatMul", [dxp, w.wih]);
      if (dropout) dOut = g.op("Mul", [dOut, drop[k - 1]!]);
    } else if (!onehot) {
      let dEmbedded = g.op("MatMul", [dxp, w.wih]);
      if (inputDrop !== undefined) dEmbedded = g.op("Mul", [dEmbedded, inputDrop]);
      grads.set(EMBEDDING_WEIGHT, g.op("Gemm", [oneHotX, dEmbedded], { transA: 1 }));
    }
  }
  for (const [name, shape] of expectedShapes(config)) g.output(IO.grad(name), grads.get(name)!, F, shape);
  return g.build(kind === "train" ? "charrnn_train" : "charrnn_grads");
}
