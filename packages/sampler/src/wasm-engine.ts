import { CharrnnError } from "@charrnn/core";
import {
  gateActivation,
  gateCount,
  type Int8Rows,
  type ModelConfig,
  type NamedTensors,
  type RnnState,
  validateParams,
  zeroState,
} from "@charrnn/models";
import { checkForwardInputs, refuseClassifier } from "./engine-checks";
import { buildInputTable } from "./input-table";
import type { ForwardOptions, StepModel, StepResult } from "./step-model";
import { instantiateKernels } from "./wasm-kernels";
import { packRowGroups } from "./wasm-pack";

/** Weight rows and vectors are padded with zeros to a multiple of this, so the kernels have no tails. */
const LANES = 16;
const padded = (n: number): number => Math.ceil(n / LANES) * LANES;

/** Weights and config for {@link createWasmStepModel}. */
export interface WasmStepModelOptions {
  config: ModelConfig;
  /** Every tensor in float32 (int8 matrices dequantized): the first layer's input table is built from them. */
  params: NamedTensors;
  /**
   * Weight matrices to compute on in int8, by parameter name (e.g. `rnn.weight_hh_l0`): an int8 model
   * file's `ModelFile.int8`, or `int8Weights(model)` of any model. The others run in float32; the
   * embedding always comes from `params`. Inputs to an int8 matrix are quantized to int16 per stream
   * and step.
   */
  int8?: ReadonlyMap<string, Int8Rows>;
  /** See {@link TsStepModelOptions.maxInputTable}. @defaultValue 4_194_304 */
  maxInputTable?: number;
}

/** The WebAssembly SIMD step model; `forward` is synchronous once the model is created. */
export interface WasmStepModel extends StepModel {
  readonly config: ModelConfig;
  /** `int8` when any weight matrix runs in int8. */
  readonly precision: "f32" | "int8";
  forward(
    tokens: Int32Array,
    batch: number,
    steps: number,
    state: RnnState,
    options?: ForwardOptions,
  ): StepResult;
}

/** A weight matrix in the module's memory (byte offsets); rows and cols padded. */
interface Matrix {
  int8: boolean;
  w: number;
  scales: number;
  bias: number;
  rows: number;
  cols: number;
}

/** Byte offsets of one batch size's buffers. */
interface Scratch {
  batch: number;
  h: number;
  c: number;
  gx: number;
  gh: number;
  x0: number;
  q: number;
  qScales: number;
  out: number;
}

/**
 * The WebAssembly SIMD engine: the plain-TS engine's algorithm (fused gate matmuls, first-layer input
 * table, all streams at once) on 128-bit SIMD kernels hand-written in `wasm/kernels.wat`, with the
 * weights copied once into the module's memory. Float32 weights, or int8 per-row weights (int8 × int16
 * dot products). Accumulates in float32 (int32 for int8), so logits differ from the plain-TS engine's
 * float64 sums by float rounding only. Needs WebAssembly SIMD ({@link wasmSimdSupported}).
 * @example
 * const model = await createWasmStepModel({ config, params });
 * const { logits, state } = model.forward(Int32Array.of(3, 1, 4), 1, 3, model.initialState(1));
 */
export async function createWasmStepModel(options: WasmStepModelOptions): Promise<WasmStepModel> {
  const { config, params } = options;
  refuseClassifier(config);
  validateParams(config, params);
  const kernels = await instantiateKernels();
  const memory = kernels.memory;
  const int8 = options.int8 ?? new Map<string, Int8Rows>();
  const get = (name: string): Float32Array => params.get(name)!.data;
  const L = config.layers;
  const H = config.hidden;
  const V = config.vocabSize;
  const G = gateCount(config.cell);
  const cell = config.cell;
  const hard = gateActivation(config) === "hardSigmoid" ? 1 : 0;
  const onehot = config.input === "onehot";
  const E = onehot ? V : (config.embed ?? 0);
  const Hp = padded(H);
  const Ep = padded(E);
  const GHp = G * Hp;

  let top = 64;
  const alloc = (bytes: number): number => {
    const at = Math.ceil(top / 64) * 64;
    top = at + bytes;
    const missing = top - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / 65536));
    return at;
  };
  const f32 = (): Float32Array => new Float32Array(memory.buffer);

  /** Copies a `[blocks·blockRows, cols]` matrix in, each block of rows padded to `blockRowsP`. */
  const matrix = (
    name: string,
    biasName: string,
    blocks: number,
    blockRows: number,
    blockRowsP: number,
    cols: number,
  ): Matrix => {
    const rows = blocks * blockRowsP;
    const colsP = padded(cols);
    const q = int8.get(name);
    const bias = alloc(rows * 4);
    const w = alloc(rows * colsP * (q ? 1 : 4));
    const scales = q ? alloc(rows * 4) : 0;
    const mem = f32();
    const bytes = new Int8Array(memory.buffer);
    const b = get(biasName);
    const data = get(name);
    // Float32 rows are gathered padded here, then packed into the kernel's row-group layout.
    const rowMajor = q ? null : new Float32Array(rows * colsP);
    if (q && (q.rows !== blocks * blockRows || q.cols !== cols)) {
      throw new CharrnnError(
        "MODEL_SHAPE_MISMATCH",
        `int8 ${name} is [${q.rows}, ${q.cols}] but the model needs [${blocks * blockRows}, ${cols}]`,
      );
    }
    for (let g = 0; g < blocks; g++) {
      for (let j = 0; j < blockRows; j++) {
        const src = g * blockRows + j;
        const dst = g * blockRowsP + j;
        mem[bias / 4 + dst] = b[src]!;
        if (q) {
          bytes.set(q.values.subarray(src * cols, (src + 1) * cols), w + dst * colsP);
          mem[scales / 4 + dst] = q.scales[src]!;
        } else {
          rowMajor!.set(data.subarray(src * cols, (src + 1) * cols), dst * colsP);
        }
      }
    }
    if (rowMajor) packRowGroups(rowMajor, rows, colsP, mem, w / 4);
    return { int8: q !== undefined, w, scales, bias, rows, cols: colsP };
  };

  const layers: { ih: Matrix | null; hh: Matrix }[] = [];
  const wih0 = get("rnn.weight_ih_l0");
  const bih0 = get("rnn.bias_ih_l0");
  const useTable = onehot || V * G * H <= (options.maxInputTable ?? 4_194_304);
  let table = 0;
  let embedding = 0;
  if (useTable) {
    const rows = buildInputTable(wih0, bih0, onehot ? null : get("embedding.weight"), V, E, G * H);
    table = alloc(V * GHp * 4);
    const mem = f32();
    for (let v = 0; v < V; v++) {
      for (let g = 0; g < G; g++) {
        mem.set(rows.subarray(v * G * H + g * H, v * G * H + (g + 1) * H), table / 4 + v * GHp + g * Hp);
      }
    }
  } else {
    const data = get("embedding.weight");
    embedding = alloc(V * Ep * 4);
    const mem = f32();
    for (let v = 0; v < V; v++) mem.set(data.subarray(v * E, (v + 1) * E), embedding / 4 + v * Ep);
  }
  for (let k = 0; k < L; k++) {
    const ih =
      k === 0 && useTable
        ? null
        : matrix(`rnn.weight_ih_l${k}`, `rnn.bias_ih_l${k}`, G, H, Hp, k === 0 ? E : H);
    layers.push({ ih, hh: matrix(`rnn.weight_hh_l${k}`, `rnn.bias_hh_l${k}`, G, H, Hp, H) });
  }
  const head = matrix("output.weight", "output.bias", 1, V, V, H);
  const precision = [head, ...layers.flatMap((l) => [l.ih, l.hh])].some((m) => m?.int8) ? "int8" : "f32";

  let scratch: Scratch | null = null;
  const scratchFor = (batch: number): Scratch => {
    // A larger batch gets new buffers above the old ones (memory never shrinks; batch sizes are few).
    if (scratch === null || scratch.batch < batch) {
      const state = L * batch * Hp * 4;
      scratch = {
        batch,
        h: alloc(state),
        c: cell === "lstm" ? alloc(state) : 0,
        gx: alloc(batch * GHp * 4),
        gh: cell === "gru" ? alloc(batch * GHp * 4) : 0,
        x0: useTable ? 0 : alloc(batch * Ep * 4),
        q: alloc(batch * Math.max(Hp, Ep) * 2),
        qScales: alloc(batch * 4),
        out: alloc(batch * V * 4),
      };
    }
    return scratch;
  };

  const apply = (
    m: Matrix,
    s: Scratch,
    x: number,
    xStride: number,
    batch: number,
    out: number,
    outStride: number,
    accumulate: number,
  ): void => {
    if (!m.int8) {
      kernels.affine(m.w, m.bias, m.rows, m.cols, x, xStride, batch, out, outStride, accumulate);
      return;
    }
    kernels.quantize(x, xStride, m.cols, batch, s.q, m.cols, s.qScales, int16Range(m.cols));
    kernels.affine_i8(
      m.w,
      m.scales,
      m.bias,
      m.rows,
      m.cols,
      s.q,
      m.cols,
      s.qScales,
      batch,
      out,
      outStride,
      accumulate,
    );
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
    const s = scratchFor(batch);
    const mem = f32();
    const rows = L * batch;
    // Padded lanes must start at 0; the updates keep them there (zero weights and biases).
    mem.fill(0, s.h / 4, s.h / 4 + rows * Hp);
    for (let r = 0; r < rows; r++) mem.set(state.h.subarray(r * H, (r + 1) * H), s.h / 4 + r * Hp);
    if (cell === "lstm") {
      mem.fill(0, s.c / 4, s.c / 4 + rows * Hp);
      for (let r = 0; r < rows; r++) mem.set(state.c!.subarray(r * H, (r + 1) * H), s.c / 4 + r * Hp);
    }
    const lastOnly = forwardOptions?.lastOnly === true;
    const outSteps = lastOnly ? 1 : steps;
    const logits = new Float32Array(batch * outSteps * V);
    const layerBytes = batch * Hp * 4;

    for (let t = 0; t < steps; t++) {
      for (let k = 0; k < L; k++) {
        const { ih, hh } = layers[k]!;
        const h = s.h + k * layerBytes;
        if (ih === null) {
          for (let b = 0; b < batch; b++) {
            const row = table / 4 + tokens[b * steps + t]! * GHp;
            mem.copyWithin(s.gx / 4 + b * GHp, row, row + GHp);
          }
        } else if (k === 0) {
          for (let b = 0; b < batch; b++) {
            const row = embedding / 4 + tokens[b * steps + t]! * Ep;
            mem.copyWithin(s.x0 / 4 + b * Ep, row, row + Ep);
          }
          apply(ih, s, s.x0, Ep, batch, s.gx, GHp, 0);
        } else {
          apply(ih, s, h - layerBytes, Hp, batch, s.gx, GHp, 0);
        }
        if (cell === "gru") {
          apply(hh, s, h, Hp, batch, s.gh, GHp, 0);
          kernels.gru(s.gx, s.gh, h, Hp, batch, hard);
        } else {
          apply(hh, s, h, Hp, batch, s.gx, GHp, 1);
          if (cell === "lstm") kernels.lstm(s.gx, s.c + k * layerBytes, h, Hp, batch, hard);
          else kernels.tanh(s.gx, h, batch * Hp);
        }
      }
      if (!lastOnly || t === steps - 1) {
        apply(head, s, s.h + (L - 1) * layerBytes, Hp, batch, s.out, V, 0);
        const outOff = lastOnly ? 0 : t * V;
        for (let b = 0; b < batch; b++) {
          logits.set(mem.subarray(s.out / 4 + b * V, s.out / 4 + (b + 1) * V), b * outSteps * V + outOff);
        }
      }
    }
    const next: RnnState = { layers: L, batch, hidden: H, h: unpad(mem, s.h, rows, H, Hp) };
    if (cell === "lstm") next.c = unpad(mem, s.c, rows, H, Hp);
    return { logits, state: next };
  };

  return { config, precision, cell, layers: L, hidden: H, vocabSize: V, initialState, forward };
}

/**
 * The int16 range inputs are quantized to for `cols` inputs per dot product: as fine as int16 allows
 * while Σ |int8 · int16| over a row stays below 2³¹ (the kernels sum in int32).
 */
function int16Range(cols: number): number {
  return Math.min(32767, Math.floor((2 ** 31 - 1) / (cols * 127)));
}

function unpad(mem: Float32Array, at: number, rows: number, H: number, Hp: number): Float32Array {
  const out = new Float32Array(rows * H);
  for (let r = 0; r < rows; r++) out.set(mem.subarray(at / 4 + r * Hp, at / 4 + r * Hp + H), r * H);
  return out;
}
