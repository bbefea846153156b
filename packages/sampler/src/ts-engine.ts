import {
  gateActivation,
  gateCount,
  hardSigmoid,
  type ModelConfig,
  type NamedTensors,
  type RnnState,
  validateParams,
  zeroState,
} from "@charrnn/models";
import { checkForwardInputs, refuseClassifier } from "./engine-checks";
import { buildInputTable } from "./input-table";
import { affine, sigmoid } from "./kernels";
import type { ForwardOptions, StepModel, StepResult } from "./step-model";

/** Weights and config for {@link createTsStepModel}, in the layout of `@charrnn/models`. */
export interface TsStepModelOptions {
  config: ModelConfig;
  params: NamedTensors;
  /**
   * Largest `[vocab, gates·hidden]` table of precomputed first-layer input projections (in floats)
   * to build for embedding input; one-hot input always uses it (it is W_ih transposed).
   * @defaultValue 4_194_304 (16 MiB)
   */
  maxInputTable?: number;
}

/** The plain-TypeScript step model; synchronous, so `forward` returns a `StepResult` directly. */
export interface TsStepModel extends StepModel {
  readonly config: ModelConfig;
  forward(
    tokens: Int32Array,
    batch: number,
    steps: number,
    state: RnnState,
    options?: ForwardOptions,
  ): StepResult;
}

interface Layer {
  wih: Float32Array;
  whh: Float32Array;
  bih: Float32Array;
  bhh: Float32Array;
}

interface Scratch {
  batch: number;
  /** Gate pre-activations from the input, `[batch, G·H]` (LSTM/RNN: input + recurrent summed). */
  gx: Float64Array;
  /** GRU recurrent pre-activations `[batch, G·H]`. */
  gh: Float64Array;
  /** Embedded first-layer input `[batch, E]` when no input table is built. */
  x0: Float32Array;
  /** One step's logits `[batch, V]` before they are stored as float32. */
  out: Float64Array;
}

/**
 * The plain-TypeScript engine: fused gate matmuls over Float32Array weights, an embedding lookup
 * (or a precomputed first-layer projection table) instead of a one-hot matmul, all streams of a batch
 * at once, and scratch reused across calls so only the returned logits and state are allocated.
 * Accumulates in float64.
 * @example
 * const model = createTsStepModel({ config, params });
 * const { logits, state } = model.forward(Int32Array.of(3, 1, 4), 1, 3, model.initialState(1));
 */
export function createTsStepModel(options: TsStepModelOptions): TsStepModel {
  const { config, params } = options;
  refuseClassifier(config);
  validateParams(config, params);
  const get = (name: string): Float32Array => params.get(name)!.data;
  const L = config.layers;
  const H = config.hidden;
  const V = config.vocabSize;
  const G = gateCount(config.cell);
  const GH = G * H;
  const cell = config.cell;
  const gate = gateActivation(config) === "hardSigmoid" ? hardSigmoid : sigmoid;
  const onehot = config.input === "onehot";
  const E = onehot ? V : (config.embed ?? 0);
  const embedding = onehot ? null : get("embedding.weight");

  const layers: Layer[] = [];
  for (let k = 0; k < L; k++) {
    layers.push({
      wih: get(`rnn.weight_ih_l${k}`),
      whh: get(`rnn.weight_hh_l${k}`),
      bih: get(`rnn.bias_ih_l${k}`),
      bhh: get(`rnn.bias_hh_l${k}`),
    });
  }
  const wout = get("output.weight");
  const bout = get("output.bias");
  const layer0 = layers[0]!;
  // Row v holds W_ih·x(v) + b_ih for the first layer: a lookup replaces a matmul per step.
  const inputTable =
    onehot || V * GH <= (options.maxInputTable ?? 4_194_304)
      ? buildInputTable(layer0.wih, layer0.bih, embedding, V, E, GH)
      : null;

  let scratch: Scratch | null = null;
  const scratchFor = (batch: number): Scratch => {
    if (scratch === null || scratch.batch < batch) {
      scratch = {
        batch,
        gx: new Float64Array(batch * GH),
        gh: new Float64Array(cell === "gru" ? batch * GH : 0),
        x0: new Float32Array(inputTable === null ? batch * E : 0),
        out: new Float64Array(batch * V),
      };
    }
    return scratch;
  };

  const initialState = (batch: number): RnnState => zeroState(config, batch);

  const forward = (
    tokens: Int32Array,
    batch: number,
    steps: number,
    state: RnnState,
    forwardOptions?: ForwardOptions,
  ): StepResult => {
    checkForwardInputs(tokens, batch, steps, state, V, L, H, cell === "lstm");
    const { gx, gh, x0, out } = scratchFor(batch);
    const h = new Float32Array(state.h);
    const c = cell === "lstm" ? new Float32Array(state.c!) : null;
    const lastOnly = forwardOptions?.lastOnly === true;
    const outSteps = lastOnly ? 1 : steps;
    const logits = new Float32Array(batch * outSteps * V);
    const BH = batch * H;

    for (let t = 0; t < steps; t++) {
      for (let k = 0; k < L; k++) {
        const layer = layers[k]!;
        const hOff = k * BH;
        // Input projection (+ b_ih) into gx.
        if (k === 0 && inputTable !== null) {
          for (let b = 0; b < batch; b++) {
            const row = tokens[b * steps + t]! * GH;
            const o = b * GH;
            for (let j = 0; j < GH; j++) gx[o + j] = inputTable[row + j]!;
          }
        } else if (k === 0) {
          for (let b = 0; b < batch; b++) {
            const row = tokens[b * steps + t]! * E;
            const o = b * E;
            for (let j = 0; j < E; j++) x0[o + j] = embedding![row + j]!;
          }
          affine(layer.wih, layer.bih, GH, E, x0, 0, E, batch, gx, 0, GH, false);
        } else {
          affine(layer.wih, layer.bih, GH, H, h, hOff - BH, H, batch, gx, 0, GH, false);
        }
        if (cell === "gru") {
          affine(layer.whh, layer.bhh, GH, H, h, hOff, H, batch, gh, 0, GH, false);
          gruUpdate(gx, gh, h, hOff, batch, H, gate);
        } else {
          affine(layer.whh, layer.bhh, GH, H, h, hOff, H, batch, gx, 0, GH, true);
          if (cell === "lstm") lstmUpdate(gx, h, c!, hOff, batch, H, gate);
          else for (let b = 0; b < batch; b++) tanhUpdate(gx, b * GH, h, hOff + b * H, H);
        }
      }
      if (!lastOnly || t === steps - 1) {
        const outOff = lastOnly ? 0 : t * V;
        affine(wout, bout, V, H, h, (L - 1) * BH, H, batch, out, 0, V, false);
        for (let b = 0; b < batch; b++) {
          const o = b * outSteps * V + outOff;
          for (let v = 0; v < V; v++) logits[o + v] = out[b * V + v]!;
        }
      }
    }
    const next: RnnState = { layers: L, batch, hidden: H, h };
    if (c !== null) next.c = c;
    return { logits, state: next };
  };

  return { config, cell, layers: L, hidden: H, vocabSize: V, initialState, forward };
}

function tanhUpdate(g: Float64Array, gOff: number, h: Float32Array, hOff: number, H: number): void {
  for (let j = 0; j < H; j++) h[hOff + j] = Math.tanh(g[gOff + j]!);
}

function lstmUpdate(
  g: Float64Array,
  h: Float32Array,
  c: Float32Array,
  off: number,
  batch: number,
  H: number,
  gate: (x: number) => number,
) {
  const GH = 4 * H;
  for (let b = 0; b < batch; b++) {
    const gb = b * GH;
    const sb = off + b * H;
    for (let j = 0; j < H; j++) {
      const i = gate(g[gb + j]!);
      const f = gate(g[gb + H + j]!);
      const gg = Math.tanh(g[gb + 2 * H + j]!);
      const o = gate(g[gb + 3 * H + j]!);
      const cNew = f * c[sb + j]! + i * gg;
      c[sb + j] = cNew;
      h[sb + j] = o * Math.tanh(cNew);
    }
  }
}

function gruUpdate(
  gx: Float64Array,
  gh: Float64Array,
  h: Float32Array,
  off: number,
  batch: number,
  H: number,
  gate: (x: number) => number,
) {
  const GH = 3 * H;
  for (let b = 0; b < batch; b++) {
    const gb = b * GH;
    const sb = off + b * H;
    for (let j = 0; j < H; j++) {
      const r = gate(gx[gb + j]! + gh[gb + j]!);
      const z = gate(gx[gb + H + j]! + gh[gb + H + j]!);
      const n = Math.tanh(gx[gb + 2 * H + j]! + r * gh[gb + 2 * H + j]!);
      h[sb + j] = (1 - z) * n + z * h[sb + j]!;
    }
  }
}
