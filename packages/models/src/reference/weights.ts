import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import type { ModelConfig } from "../config";
import { gateCount, layerInputSize } from "../config";
import type { NamedTensors, RnnState } from "../tensor";
import { EMBEDDING_WEIGHT, headParams, layerParamNames, validateParams } from "../weight-layout";

/** One recurrent layer's weights in float64, PyTorch layout and gate order. */
export interface LayerWeights {
  inSize: number;
  wih: Float64Array;
  whh: Float64Array;
  bih: Float64Array;
  bhh: Float64Array;
}

/** All weights in float64 (the reference computes in float64 to be a trustworthy oracle). */
export interface Weights {
  embedding: Float64Array | undefined;
  layers: LayerWeights[];
  /** The head's projection: `output.*` `[V, H]`, or `classifier.*` `[labels, H]` for a classifier. */
  outW: Float64Array;
  outB: Float64Array;
}

/** Validates `params` against `config` and widens them to float64. */
export function toWeights(config: ModelConfig, params: NamedTensors): Weights {
  validateParams(config, params);
  const get = (name: string): Float64Array => Float64Array.from(params.get(name)!.data);
  const layers: LayerWeights[] = [];
  for (let k = 0; k < config.layers; k++) {
    const n = layerParamNames(k);
    layers.push({
      inSize: layerInputSize(config, k),
      wih: get(n.weightIh),
      whh: get(n.weightHh),
      bih: get(n.biasIh),
      bhh: get(n.biasHh),
    });
  }
  const head = headParams(config);
  return {
    embedding: config.input === "embedding" ? get(EMBEDDING_WEIGHT) : undefined,
    layers,
    outW: get(head.weight),
    outB: get(head.bias),
  };
}

/** Float64 buffers shaped like `Weights`, zero-filled, for gradients. */
export function zerosLike(w: Weights): Weights {
  return {
    embedding: w.embedding === undefined ? undefined : new Float64Array(w.embedding.length),
    layers: w.layers.map((l) => ({
      inSize: l.inSize,
      wih: new Float64Array(l.wih.length),
      whh: new Float64Array(l.whh.length),
      bih: new Float64Array(l.bih.length),
      bhh: new Float64Array(l.bhh.length),
    })),
    outW: new Float64Array(w.outW.length),
    outB: new Float64Array(w.outB.length),
  };
}

/** Float64 weights back to named float32 tensors in `config`'s layout. */
export function toNamedTensors(config: ModelConfig, w: Weights): NamedTensors {
  const out: NamedTensors = new Map();
  const g = gateCount(config.cell) * config.hidden;
  if (w.embedding !== undefined) {
    out.set(EMBEDDING_WEIGHT, {
      shape: [config.vocabSize, config.embed ?? 0],
      data: Float32Array.from(w.embedding),
    });
  }
  w.layers.forEach((l, k) => {
    const n = layerParamNames(k);
    out.set(n.weightIh, { shape: [g, l.inSize], data: Float32Array.from(l.wih) });
    out.set(n.weightHh, { shape: [g, config.hidden], data: Float32Array.from(l.whh) });
    out.set(n.biasIh, { shape: [g], data: Float32Array.from(l.bih) });
    out.set(n.biasHh, { shape: [g], data: Float32Array.from(l.bhh) });
  });
  const head = headParams(config);
  out.set(head.weight, { shape: [head.rows, config.hidden], data: Float32Array.from(w.outW) });
  out.set(head.bias, { shape: [head.rows], data: Float32Array.from(w.outB) });
  return out;
}

/** Throws unless every id is in `[0, vocabSize)` and there are `batch * steps` of them. */
export function checkTokens(
  name: string,
  ids: Int32Array,
  batch: number,
  steps: number,
  vocabSize: number,
): void {
  if (!Number.isInteger(batch) || batch < 1) throw new CharrnnRangeError("batch", "an integer ≥ 1", batch);
  if (!Number.isInteger(steps) || steps < 1) throw new CharrnnRangeError("steps", "an integer ≥ 1", steps);
  if (ids.length !== batch * steps) {
    throw new CharrnnError(
      "FORWARD_SHAPE",
      `${name} has ${ids.length} ids but batch*steps is ${batch * steps}`,
    );
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= vocabSize)
      throw new CharrnnRangeError(`${name}[${i}]`, `a token id in [0, ${vocabSize})`, id);
  }
}

/** Throws `MODEL_HEAD_MISMATCH` for a classifier config (its logits are per sequence, not per step). */
export function checkLanguageModel(config: ModelConfig): void {
  if (config.head?.kind === "classifier") {
    throw new CharrnnError(
      "MODEL_HEAD_MISMATCH",
      "this model is a sequence classifier, not a language model; use referenceClassifierForward / `charrnn classify predict`",
    );
  }
}

/** A zero state for `batch` streams of `config`'s model. */
export function zeroState(config: ModelConfig, batch: number): RnnState {
  const n = config.layers * batch * config.hidden;
  const state: RnnState = { layers: config.layers, batch, hidden: config.hidden, h: new Float32Array(n) };
  if (config.cell === "lstm") state.c = new Float32Array(n);
  return state;
}

/** Throws `STATE_SHAPE_MISMATCH` unless `state` fits `config` and `batch`. */
export function checkState(config: ModelConfig, state: RnnState, batch: number): void {
  const n = config.layers * batch * config.hidden;
  const bad =
    state.layers !== config.layers ||
    state.batch !== batch ||
    state.hidden !== config.hidden ||
    state.h.length !== n ||
    (config.cell === "lstm" && state.c?.length !== n);
  if (bad) {
    throw new CharrnnError(
      "STATE_SHAPE_MISMATCH",
      `state is [layers=${state.layers}, batch=${state.batch}, hidden=${state.hidden}]${config.cell === "lstm" && state.c === undefined ? " without c" : ""} but the model needs [${config.layers}, ${batch}, ${config.hidden}]${config.cell === "lstm" ? " with c" : ""}; reset the state when the batch size changes`,
    );
  }
}
