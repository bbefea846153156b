import { CharrnnError } from "@charrnn/core";
import {
  classifierHead,
  expectedShapes,
  fillPoolingWeights,
  inputDropoutMask,
  layerDropoutMasks,
  type NamedTensors,
  type RnnState,
  validateParams,
} from "@charrnn/models";
import type { OrtModule } from "@charrnn/onnx";
import type { InferenceSession, Tensor } from "onnxruntime-common";
import { checkAnyHeadEngineInputs, isClassifier, readClassifierBatch } from "../../classify/classifier-batch";
import { clipGradients } from "../../optim/clip";
import { createOptimizer } from "../../optim/optimizer";
import type {
  EngineOptions,
  EvalResult,
  LossAndGradsResult,
  OptimizerState,
  StepOptions,
  TrainBatch,
  TrainingEngine,
  TrainStepResult,
} from "../types";
import { drawWeightDrop, dropWeights, maskWeightGrads } from "../weight-drop";
import { checkBatch, checkState, toBatchMajor } from "../window";
import { buildWindowGraph, type GraphKind, IO } from "./train-graph";

/** Options of {@link createOrtRuntimeEngine}. */
export interface OrtRuntimeEngineOptions extends EngineOptions {
  /**
   * The onnxruntime module that runs the graphs: `onnxruntime-web` in a browser or worker
   * (`import * as ort from "onnxruntime-web"`), `onnxruntime-node` in Node (see `createOrtEngine`).
   */
  ort: OrtModule;
  /** Passed to every `InferenceSession.create` (execution providers, threads…). */
  sessionOptions?: InferenceSession.SessionOptions;
  /** What the engine reports as its `backend`, e.g. "onnxruntime-web wasm, 4 threads". */
  backend: string;
}

/**
 * The ORT engine; `lossAndGrads` is always present. It also trains classifier heads (batches in the
 * form of `toClassifierTrainBatch`; `evaluate` then returns the label logits, and `lossAndGrads`'
 * logits are `[batch, labels]`).
 */
export interface OrtEngine extends TrainingEngine {
  lossAndGrads(batch: TrainBatch, state: RnnState): Promise<LossAndGradsResult>;
  /** Seconds spent creating sessions so far (one per graph kind and window shape). */
  readonly sessionSeconds: number;
}

/** A session for one graph kind and window shape, with its reusable input buffers. */
interface WindowSession {
  session: InferenceSession;
  x: Int32Array;
  y: Int32Array;
  mask: Float32Array;
  h0: Float32Array;
  c0: Float32Array | undefined;
  /** Classifier inputs: labels `[B]`, pooling weights `[T·B]`, example weights `[B]`. */
  labels: Int32Array;
  pool: Float32Array;
  weights: Float32Array;
  feeds: Record<string, Tensor>;
}

/**
 * The ORT engine on an injected runtime: each window is one `session.run` of an ONNX graph (built
 * per window shape by `buildWindowGraph`, cached) that computes the forward pass, the masked mean
 * cross-entropy and every gradient by hand-derived BPTT; clipping and the update are the TS ones
 * (`clipGradients`, `createOptimizer`) over the parameter arrays the graph reads directly, so an
 * update needs no new session. Nothing here needs Node: the browser entry exports it for
 * onnxruntime-web, and `createOrtEngine` is this on onnxruntime-node's native kernels.
 */
export async function createOrtRuntimeEngine(options: OrtRuntimeEngineOptions): Promise<OrtEngine> {
  const { config, ort } = options;
  checkAnyHeadEngineInputs(config, options.params);
  const classifier = isClassifier(config);
  const shapes = expectedShapes(config);
  const params: NamedTensors = new Map();
  const paramFeeds: Record<string, Tensor> = {};
  for (const [name, shape] of shapes) {
    const data = options.params.get(name)!.data.slice();
    params.set(name, { shape: [...shape], data });
    paramFeeds[name] = new ort.Tensor("float32", data, shape);
  }
  const optimizer = createOptimizer(options.optimizer);
  const sessions = new Map<string, Promise<WindowSession>>();
  const sessionOptions = options.sessionOptions ?? {};
  let sessionSeconds = 0;
  let disposed = false;

  const enter = (): void => {
    if (disposed) throw new CharrnnError("ENGINE_DISPOSED", "the ort engine was disposed; create a new one");
  };

  const createSession = async (kind: GraphKind, batch: number, steps: number): Promise<WindowSession> => {
    const start = performance.now();
    const bytes = buildWindowGraph(config, batch, steps, kind);
    const session = await ort.InferenceSession.create(bytes, sessionOptions);
    sessionSeconds += (performance.now() - start) / 1000;
    const n = batch * steps;
    const stateDims = [config.layers, batch, config.hidden];
    const stateSize = config.layers * batch * config.hidden;
    const ws: WindowSession = {
      session,
      x: new Int32Array(n),
      y: new Int32Array(n),
      mask: new Float32Array(n),
      h0: new Float32Array(stateSize),
      c0: config.cell === "lstm" ? new Float32Array(stateSize) : undefined,
      labels: new Int32Array(classifier ? batch : 0),
      pool: new Float32Array(classifier ? n : 0),
      weights: new Float32Array(classifier ? batch : 0),
      feeds: { ...paramFeeds },
    };
    ws.feeds[IO.x] = new ort.Tensor("int32", ws.x, [n]);
    if (classifier) {
      ws.feeds[IO.labels] = new ort.Tensor("int32", ws.labels, [batch]);
      ws.feeds[IO.pool] = new ort.Tensor("float32", ws.pool, [n]);
      ws.feeds[IO.weights] = new ort.Tensor("float32", ws.weights, [batch]);
    } else {
      ws.feeds[IO.y] = new ort.Tensor("int32", ws.y, [n]);
      ws.feeds[IO.mask] = new ort.Tensor("float32", ws.mask, [n]);
    }
    ws.feeds[IO.h0] = new ort.Tensor("float32", ws.h0, stateDims);
    if (ws.c0 !== undefined) ws.feeds[IO.c0] = new ort.Tensor("float32", ws.c0, stateDims);
    return ws;
  };

  /** The cached session for `kind` and the batch's shape, its inputs filled from the batch and state. */
  const prepare = async (kind: GraphKind, batch: TrainBatch, state: RnnState): Promise<WindowSession> => {
    enter();
    const labelled = classifier ? readClassifierBatch(config, batch) : undefined;
    if (labelled === undefined) checkBatch(config, batch);
    checkState(config, state, batch.batch);
    const key = `${kind}:${batch.batch}x${batch.steps}`;
    let pending = sessions.get(key);
    if (pending === undefined) {
      pending = createSession(kind, batch.batch, batch.steps);
      sessions.set(key, pending);
      pending.catch(() => sessions.delete(key));
    }
    const ws = await pending;
    fillTimeMajor(ws, batch);
    if (labelled !== undefined) {
      ws.labels.set(labelled.labels);
      ws.weights.set(labelled.weights!);
      const { pooling } = classifierHead(config);
      fillPoolingWeights(ws.pool, pooling, labelled.lengths, batch.batch, batch.steps);
    }
    ws.h0.set(state.h);
    if (ws.c0 !== undefined) ws.c0.set(state.c!);
    return ws;
  };

  const run = async (ws: WindowSession, feeds = ws.feeds): Promise<InferenceSession.OnnxValueMapType> => {
    const out = await ws.session.run(feeds);
    enter();
    return out;
  };

  const readState = (out: InferenceSession.OnnxValueMapType, batch: number): RnnState => {
    const state: RnnState = {
      layers: config.layers,
      batch,
      hidden: config.hidden,
      h: out[IO.h]!.data as Float32Array,
    };
    if (config.cell === "lstm") state.c = out[IO.c]!.data as Float32Array;
    return state;
  };

  const readGrads = (out: InferenceSession.OnnxValueMapType): NamedTensors => {
    const grads: NamedTensors = new Map();
    for (const [name, shape] of shapes) {
      grads.set(name, { shape: [...shape], data: out[IO.grad(name)]!.data as Float32Array });
    }
    return grads;
  };

  return {
    name: "ort",
    backend: options.backend,
    config,
    get sessionSeconds() {
      return sessionSeconds;
    },

    async trainStep(batch: TrainBatch, state: RnnState, opts: StepOptions): Promise<TrainStepResult> {
      const ws = await prepare("train", batch, state);
      let feeds = ws.feeds;
      const n = batch.batch * batch.steps;
      if (config.dropout > 0) {
        feeds = { ...ws.feeds };
        const masks = layerDropoutMasks(
          Float32Array,
          config,
          config.dropout,
          opts.dropoutSeed,
          batch.steps,
          batch.batch,
        );
        for (let k = 0; k < masks.length; k++) {
          feeds[IO.dropout(k)] = new ort.Tensor("float32", masks[k]!, [n, config.hidden]);
        }
      }
      const inputRate = config.inputDropout ?? 0;
      if (inputRate > 0) {
        const embed = config.embed ?? 0;
        const mask = inputDropoutMask(
          Float32Array,
          config,
          inputRate,
          opts.dropoutSeed,
          batch.steps,
          batch.batch,
        );
        feeds = { ...feeds, [IO.inputDropout]: new ort.Tensor("float32", mask, [n, embed]) };
      }
      const drop = drawWeightDrop(config, opts.dropoutSeed);
      if (drop !== undefined) {
        feeds = { ...feeds };
        // The step runs with W ⊙ m in place of each recurrent weight.
        for (const [name, t] of dropWeights(params, drop)) {
          feeds[name] = new ort.Tensor("float32", t.data, t.shape);
        }
      }
      const out = await run(ws, feeds);
      const grads = readGrads(out);
      if (drop !== undefined) maskWeightGrads(grads, drop);
      const gradNorm = clipGradients(grads, opts.clipNorm);
      optimizer.apply(params, grads, opts.lr);
      return { loss: (out[IO.loss]!.data as Float32Array)[0]!, gradNorm, state: readState(out, batch.batch) };
    },

    async evaluate(batch: TrainBatch, state: RnnState): Promise<EvalResult> {
      const ws = await prepare("eval", batch, state);
      const out = await run(ws);
      const result: EvalResult = {
        lossSum: (out[IO.lossSum]!.data as Float32Array)[0]!,
        count: (out[IO.count]!.data as Float32Array)[0]!,
        state: readState(out, batch.batch),
      };
      if (classifier) result.logits = out[IO.logits]!.data as Float32Array;
      return result;
    },

    async lossAndGrads(batch: TrainBatch, state: RnnState): Promise<LossAndGradsResult> {
      const ws = await prepare("grads", batch, state);
      const out = await run(ws);
      return {
        loss: (out[IO.loss]!.data as Float32Array)[0]!,
        logits: classifier
          ? (out[IO.logits]!.data as Float32Array)
          : toBatchMajor(out[IO.logits]!.data as Float32Array, batch.batch, batch.steps),
        state: readState(out, batch.batch),
        grads: readGrads(out),
      };
    },

    async getParams(): Promise<NamedTensors> {
      enter();
      const copy: NamedTensors = new Map();
      for (const [name, t] of params) copy.set(name, { shape: [...t.shape], data: t.data.slice() });
      return copy;
    },

    async setParams(next: NamedTensors): Promise<void> {
      enter();
      validateParams(config, next);
      // In place: every session's feeds wrap these arrays.
      for (const [name, t] of params) t.data.set(next.get(name)!.data);
    },

    async getOptimizerState(): Promise<OptimizerState> {
      enter();
      return optimizer.getState();
    },

    async setOptimizerState(state: OptimizerState): Promise<void> {
      enter();
      optimizer.setState(state);
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const pending of sessions.values()) {
        pending.then((ws) => ws.session.release()).catch(() => {});
      }
      sessions.clear();
    },
  };
}

/** Copies the batch-major window into the session's time-major buffers (mask 1 when absent). */
function fillTimeMajor(ws: WindowSession, batch: TrainBatch): void {
  const { batch: B, steps: T, x, y, mask } = batch;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      const j = t * B + b;
      ws.x[j] = x[i]!;
      ws.y[j] = y[i]!;
      ws.mask[j] = mask === undefined ? 1 : mask[i]!;
    }
  }
}
