import { CharrnnError } from "@charrnn/core";
import type { CellType, ModelConfig, RnnState } from "@charrnn/models";
import type { StepModel, StepResult } from "@charrnn/sampler";
import { Vocab, type VocabJSON } from "@charrnn/vocab";
import type { InferenceSession, Tensor } from "onnxruntime-common";
import { inspectOnnx, readCharrnnMetadata } from "./metadata";
import {
  type OnnxNames,
  type OnnxValueInfo,
  type ResolvedOnnxInterface,
  resolveOnnxInterface,
} from "./onnx-interface";

/**
 * The parts of an onnxruntime module the step model uses: `onnxruntime-node`, `onnxruntime-web`
 * and `onnxruntime-react-native` all fit (`import * as ort from "onnxruntime-web"`).
 */
export type OrtModule = Pick<typeof import("onnxruntime-common"), "InferenceSession" | "Tensor">;

/** Options of {@link createOrtStepModel}. */
export interface OrtStepModelOptions {
  /**
   * The vocabulary: a `Vocab`, its JSON, or a plain token array (index = id, as other tools write it).
   * Overrides `charrnn.vocab` (the hashes must agree); needed for foreign models to know the vocab size.
   */
  vocab?: Vocab | VocabJSON | readonly string[];
  /** Input/output names when they differ from the convention (see `OnnxNames`). */
  names?: Partial<OnnxNames>;
  /**
   * For foreign files whose shapes leave these open. `cell` is otherwise read from the operators
   * (bytes only) or from the presence of `c0`; it only informs, the graph decides the computation.
   */
  cell?: CellType;
  layers?: number;
  hidden?: number;
  /** Passed to `InferenceSession.create` when bytes are given. */
  sessionOptions?: InferenceSession.SessionOptions;
  /** Names the model in error messages (a file path). @defaultValue "the ONNX model" */
  source?: string;
}

/** A {@link StepModel} over an onnxruntime session. `forward` is async. */
export interface OrtStepModel extends StepModel {
  readonly session: InferenceSession;
  readonly names: OnnxNames;
  /** From the options or the file's `charrnn.vocab`. */
  readonly vocab: Vocab | undefined;
  /** From the file's `charrnn.config` (charrnn exports only). */
  readonly config: ModelConfig | undefined;
  /** The file's `metadata_props` (empty when a session was passed instead of bytes). */
  readonly metadata: ReadonlyMap<string, string>;
  forward(tokens: Int32Array, batch: number, steps: number, state: RnnState): Promise<StepResult>;
  dispose(): Promise<void>;
}

/**
 * Wraps an ONNX char model in a `StepModel`. Pass the runtime module itself (no global registry), and
 * the model's bytes (preferred: the charrnn metadata is read from them) or a session already created
 * with that runtime. Checks the interface (throws `ONNX_BAD_INTERFACE`) and the sizes.
 * @example
 * import * as ort from "onnxruntime-web";
 * const model = await createOrtStepModel(ort, bytes);
 * const { logits, state } = await model.forward(ids, 1, ids.length, model.initialState(1));
 */
export async function createOrtStepModel(
  ort: OrtModule,
  model: Uint8Array | InferenceSession,
  options: OrtStepModelOptions = {},
): Promise<OrtStepModel> {
  const source = options.source ?? "the ONNX model";
  const info = model instanceof Uint8Array ? inspectOnnx(model, source) : undefined;
  const metadata = info?.metadata ?? new Map<string, string>();
  const meta = readCharrnnMetadata(metadata, source);
  const vocab = pickVocab(options.vocab, meta.vocab, source);
  const config = meta.config;
  const session =
    model instanceof Uint8Array ? await createSession(ort, model, options.sessionOptions, source) : model;
  let shape: ModelShape;
  try {
    shape = modelShape(session, config, vocab, info?.opTypes, options, source);
  } catch (error) {
    // A session made here would otherwise leak its native memory.
    if (session !== model) await session.release();
    throw error;
  }
  const { iface, cell, layers, hidden, vocabSize } = shape;
  const { names, lstm, tokensType } = iface;
  const fetches = lstm ? [names.logits, names.h, names.c] : [names.logits, names.h];

  return {
    cell,
    layers,
    hidden,
    vocabSize,
    session,
    names,
    vocab,
    config,
    metadata,
    initialState(batch: number): RnnState {
      const state: RnnState = { layers, batch, hidden, h: new Float32Array(layers * batch * hidden) };
      if (lstm) state.c = new Float32Array(layers * batch * hidden);
      return state;
    },
    async forward(tokens: Int32Array, batch: number, steps: number, state: RnnState): Promise<StepResult> {
      checkForward(tokens, batch, steps, state, layers, hidden);
      let ids: BigInt64Array | Int32Array = tokens;
      if (tokensType === "int64") {
        ids = new BigInt64Array(tokens.length);
        for (let i = 0; i < tokens.length; i++) ids[i] = BigInt(tokens[i]!);
      }
      const stateDims = [layers, batch, hidden];
      const feeds: Record<string, Tensor> = {
        [names.tokens]: new ort.Tensor(tokensType, ids, [batch, steps]),
        [names.h0]: new ort.Tensor("float32", state.h, stateDims),
      };
      if (lstm) {
        feeds[names.c0] = new ort.Tensor("float32", state.c ?? new Float32Array(state.h.length), stateDims);
      }
      const out = await session.run(feeds, fetches);
      const logits = floatOutput(out, names.logits, batch * steps * vocabSize, source);
      const next: RnnState = { layers, batch, hidden, h: floatOutput(out, names.h, state.h.length, source) };
      if (lstm) next.c = floatOutput(out, names.c, state.h.length, source);
      return { logits, state: next };
    },
    async dispose(): Promise<void> {
      await session.release();
    },
  };
}

interface ModelShape {
  iface: ResolvedOnnxInterface;
  cell: CellType;
  layers: number;
  hidden: number;
  vocabSize: number;
}

/** Checks the interface and settles the sizes from every source that states them. */
function modelShape(
  session: InferenceSession,
  config: ModelConfig | undefined,
  vocab: Vocab | undefined,
  opTypes: ReadonlySet<string> | undefined,
  options: OrtStepModelOptions,
  source: string,
): ModelShape {
  const iface = resolveOnnxInterface(
    valueInfos(session, "input"),
    valueInfos(session, "output"),
    options.names,
    source,
  );
  const layers = agree("layers", source, config?.layers, options.layers, iface.layers);
  const hidden = agree("hidden", source, config?.hidden, options.hidden, iface.hidden);
  const vocabSize = agree("vocab size", source, config?.vocabSize, iface.vocabSize, vocab?.size);
  const fromOps = opTypes === undefined ? undefined : cellFromOps(opTypes);
  const cell = config?.cell ?? options.cell ?? fromOps ?? (iface.lstm ? "lstm" : "gru");
  if ((cell === "lstm") !== iface.lstm) {
    throw new CharrnnError(
      "ONNX_BAD_INTERFACE",
      `${source} is declared ${cell} but ${iface.lstm ? "has" : "lacks"} the cell-state input "${iface.names.c0}"; fix the cell option or --onnx-c0`,
    );
  }
  return { iface, cell, layers, hidden, vocabSize };
}

function valueInfos(session: InferenceSession, kind: "input" | "output"): OnnxValueInfo[] {
  const names = kind === "input" ? session.inputNames : session.outputNames;
  // Older runtimes lack inputMetadata/outputMetadata; then only the names are checked.
  const meta = (kind === "input" ? session.inputMetadata : session.outputMetadata) as
    | readonly InferenceSession.ValueMetadata[]
    | undefined;
  return names.map((name, i) => {
    const m = meta?.[i];
    return m?.isTensor === true ? { name, type: m.type, shape: m.shape } : { name };
  });
}

function pickVocab(
  given: OrtStepModelOptions["vocab"],
  fromFile: Vocab | undefined,
  source: string,
): Vocab | undefined {
  if (given === undefined) return fromFile;
  const vocab = given instanceof Vocab ? given : Vocab.fromJSON(given as VocabJSON | string[]);
  if (fromFile !== undefined && fromFile.hash !== vocab.hash) {
    throw new CharrnnError(
      "ONNX_VOCAB_MISMATCH",
      `the vocab given for ${source} (${vocab.hash}) differs from the one it was exported with (${fromFile.hash}); drop the vocab option`,
    );
  }
  return vocab;
}

/** The first defined size; every other defined one must equal it. */
function agree(what: string, source: string, ...values: (number | undefined)[]): number {
  let found: number | undefined;
  for (const v of values) {
    if (v === undefined) continue;
    if (found === undefined) found = v;
    else if (v !== found) {
      throw new CharrnnError(
        "ONNX_BAD_INTERFACE",
        `${source}: ${what} is ${found} by one account and ${v} by another (metadata, options, shapes, vocab); make them agree`,
      );
    }
  }
  if (found === undefined) {
    const hint = what === "vocab size" ? "pass the vocab" : `pass the ${what} option`;
    throw new CharrnnError("ONNX_BAD_INTERFACE", `${source} does not fix its ${what} in its shapes; ${hint}`);
  }
  return found;
}

function cellFromOps(ops: ReadonlySet<string>): CellType | undefined {
  const found = (["LSTM", "GRU", "RNN"] as const).filter((op) => ops.has(op));
  if (found.length !== 1) return undefined;
  return found[0] === "LSTM" ? "lstm" : found[0] === "GRU" ? "gru" : "rnn";
}

function checkForward(
  tokens: Int32Array,
  batch: number,
  steps: number,
  state: RnnState,
  layers: number,
  hidden: number,
): void {
  if (tokens.length !== batch * steps) {
    throw new CharrnnError(
      "FORWARD_SHAPE",
      `forward got ${tokens.length} tokens for batch ${batch} × steps ${steps}`,
    );
  }
  if (
    state.layers !== layers ||
    state.hidden !== hidden ||
    state.batch !== batch ||
    state.h.length !== layers * batch * hidden
  ) {
    throw new CharrnnError(
      "STATE_SHAPE_MISMATCH",
      `state is [${state.layers}, ${state.batch}, ${state.hidden}] but the model needs [${layers}, ${batch}, ${hidden}]; start from initialState(${batch})`,
    );
  }
}

function floatOutput(
  out: InferenceSession.ReturnType,
  name: string,
  size: number,
  source: string,
): Float32Array {
  const t = out[name];
  if (t === undefined || !(t.data instanceof Float32Array) || t.data.length !== size) {
    throw new CharrnnError(
      "ONNX_BAD_INTERFACE",
      `${source} output "${name}" is not a float32 tensor of ${size} values (got ${t === undefined ? "nothing" : `${t.type} ${t.dims.join("×")}`})`,
    );
  }
  return t.data;
}

/**
 * Creates the session, turning the runtime's errors (a graph it cannot load: bad nodes, shapes or
 * types that the protobuf decoder let through) into `ONNX_INVALID` naming the file, on one line.
 */
async function createSession(
  ort: OrtModule,
  bytes: Uint8Array,
  sessionOptions: InferenceSession.SessionOptions | undefined,
  source: string,
): Promise<InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions ?? {});
  } catch (cause) {
    const detail = ((cause as Error).message ?? String(cause)).split("\n")[0]!.slice(0, 300);
    throw new CharrnnError(
      "ONNX_INVALID",
      `${source} is not a loadable ONNX model (onnxruntime: ${detail}); re-export it`,
      { cause },
    );
  }
}
