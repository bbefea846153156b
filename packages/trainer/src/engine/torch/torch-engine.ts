import { CharrnnError } from "@charrnn/core";
import { expectedShapes, type NamedTensors, type RnnState } from "@charrnn/models";
import { checkAnyHeadEngineInputs, isClassifier, readClassifierBatch } from "../../classify/classifier-batch";
import { resolveOptimizerConfig } from "../../optim/config";
import type { EngineOptions, LossAndGradsResult, OptimizerState, TrainBatch, TrainingEngine } from "../types";
import { checkBatch, checkState } from "../window";
import { findTorchPython, type TorchPython } from "./find-python";
import { launchWorkers, type TorchTopology } from "./launch";
import type { TorchPrecision } from "./precisions";
import type { WireMessage, WireTensor } from "./wire";
import { WorkerClient } from "./worker-client";

/** Options of the torch engine beyond the model: which Python, which device, how many processes. */
export interface TorchEngineSettings extends Partial<TorchTopology> {
  /** Interpreter with PyTorch (`--python`); see `findTorchPython` for the search order. */
  python?: string;
  /** `cpu`, `cuda` or `mps`. @defaultValue cuda when PyTorch sees a GPU, else cpu */
  device?: string;
  /**
   * What the recurrent layers and projections compute in. `bf16` is mixed precision: float32
   * weights, gradients, optimizer state and loss, bfloat16 matmuls (AMX on recent Intel Xeons,
   * tensor cores on GPUs; python/charrnn_torch/precision.py). @defaultValue "fp32"
   */
  precision?: TorchPrecision;
  /** Environment of the workers (CHARRNN_PYTHON is read from it). @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Receives one line per decision (interpreter, device, processes). */
  log?: (message: string) => void;
}

export type TorchEngineOptions = EngineOptions &
  TorchEngineSettings & {
    /**
     * Parameter and arithmetic precision of the workers. float64 serves exactness checks against
     * the reference engine (float32 gradients near Adam's epsilon make updates differ by more than
     * rounding). @defaultValue "float32"
     */
    dtype?: "float32" | "float64";
    /** Workers already started (`startTorchWorkers`) to reuse; the engine then leaves them running. */
    workers?: TorchWorkers;
  };

/** Running worker processes: the rank-0 connection, the interpreter and the job's size. */
export interface TorchWorkers {
  readonly python: TorchPython;
  readonly worldSize: number;
  readonly client: WorkerClient;
  /** Asks the workers to exit (they are killed if they do not within a few seconds). */
  close(): void;
}

/**
 * Finds the interpreter and starts this machine's workers; the first `createTorchEngine` on them
 * makes them train. Starting costs seconds (Python imports torch), so tests share one set.
 */
export async function startTorchWorkers(settings: TorchEngineSettings = {}): Promise<TorchWorkers> {
  const { python, nproc } = resolveWorkers(settings);
  const launched = await launchWorkers(python, { ...settings, nproc }, settings.device);
  const client = new WorkerClient(launched);
  return { python, worldSize: launched.worldSize, client, close: () => client.close() };
}

/** The torch engine's extras: the interpreter it runs and the job's size. */
export interface TorchEngine extends TrainingEngine {
  lossAndGrads: NonNullable<TrainingEngine["lossAndGrads"]>;
  readonly python: TorchPython;
  readonly worldSize: number;
  /**
   * Seconds the workers spent on the latest training step (PyTorch compute and collectives), the
   * rest of the step's time being the wrapper's: the transfer to and from Python and the checks.
   */
  readonly lastWorkerSeconds: number;
}

/**
 * A training engine on PyTorch: fused nn.LSTM/GRU/RNN (cuDNN on GPUs) in worker processes
 * (python/charrnn_torch), N of them joined by torch.distributed (gloo on CPU, NCCL on GPUs) with
 * DistributedDataParallel splitting each batch's streams (or a classifier's padded rows) over the ranks. The update rules,
 * clipping, loss and weight layout are charrnn's, so parameters and optimizer state move to and
 * from the other engines. Dropout masks come from torch's RNG (seeded by the step), not charrnn's.
 */
export async function createTorchEngine(options: TorchEngineOptions): Promise<TorchEngine> {
  const { config } = options;
  checkAnyHeadEngineInputs(config, options.params);
  const classifier = isClassifier(config);
  // A classifier batch (toClassifierTrainBatch) holds labels in `y` and row weights in `mask`.
  const check = (batch: TrainBatch, state: RnnState): void => {
    if (classifier) readClassifierBatch(config, batch);
    else checkBatch(config, batch);
    checkState(config, state, batch.batch);
  };
  const optimizer = resolveOptimizerConfig(options.optimizer);
  const log = options.log ?? (() => {});
  const owned = options.workers === undefined;
  const workers = options.workers ?? (await startTorchWorkers(options));
  const { client, python } = workers;
  const shapes = expectedShapes(config);
  let info: WireMessage;
  try {
    info = await client.request(
      {
        op: "init",
        config,
        optimizer,
        dtype: options.dtype ?? "float32",
        precision: options.precision ?? "fp32",
      },
      [...options.params].map(([name, t]) => ({ name: `param/${name}`, shape: t.shape, data: t.data })),
    );
  } catch (error) {
    if (owned) client.close(0);
    throw error;
  }
  const backend = String(info.header.backend);
  log(`torch engine: ${python.path} (torch ${python.torch}), ${backend}`);
  // e.g. CPU training on the reference BLAS (python/charrnn_torch/blas.py): it runs, slowly.
  if (typeof info.header.warning === "string") log(`warning: ${info.header.warning}`);
  // The state object the last step returned: passed back unchanged, the workers use the copy they
  // hold instead of receiving it again.
  let lastState: RnnState | undefined;
  let disposed = false;
  let lastWorkerSeconds = Number.NaN;
  const enter = (): void => {
    if (disposed)
      throw new CharrnnError("ENGINE_DISPOSED", "the torch engine was disposed; create a new one");
  };
  const toState = (m: WireMessage, batch: number): RnnState => {
    const state: RnnState = {
      layers: config.layers,
      batch,
      hidden: config.hidden,
      h: m.tensors.get("h")!.data as Float32Array,
    };
    const c = m.tensors.get("c");
    if (c !== undefined) state.c = c.data as Float32Array;
    return state;
  };

  return {
    name: "torch",
    backend,
    config,
    python,
    worldSize: workers.worldSize,
    get lastWorkerSeconds() {
      return lastWorkerSeconds;
    },

    async trainStep(batch, state, opts) {
      enter();
      check(batch, state);
      let mode = "given";
      if (state === lastState) mode = "carried";
      else if (isZero(state)) mode = "zero";
      const m = await client.request(
        {
          op: "train",
          batch: batch.batch,
          steps: batch.steps,
          state: mode,
          lr: opts.lr,
          clipNorm: opts.clipNorm ?? 0,
          dropoutSeed: opts.dropoutSeed,
        },
        [...batchTensors(batch), ...(mode === "given" ? stateTensors(state) : [])],
      );
      lastState = toState(m, batch.batch);
      lastWorkerSeconds = Number(m.header.workerSeconds);
      return { loss: Number(m.header.loss), gradNorm: Number(m.header.gradNorm), state: lastState };
    },

    async evaluate(batch, state) {
      enter();
      check(batch, state);
      const m = await client.request({ op: "evaluate", batch: batch.batch, steps: batch.steps }, [
        ...batchTensors(batch),
        ...stateTensors(state),
      ]);
      const logits = m.tensors.get("logits");
      return {
        lossSum: Number(m.header.lossSum),
        count: Number(m.header.count),
        state: toState(m, batch.batch),
        ...(logits !== undefined && { logits: logits.data as Float32Array }),
      };
    },

    async lossAndGrads(batch, state): Promise<LossAndGradsResult> {
      enter();
      check(batch, state);
      const m = await client.request({ op: "lossAndGrads", batch: batch.batch, steps: batch.steps }, [
        ...batchTensors(batch),
        ...stateTensors(state),
      ]);
      const grads: NamedTensors = new Map();
      for (const [name, shape] of shapes)
        grads.set(name, { shape, data: m.tensors.get(`grad/${name}`)!.data as Float32Array });
      return {
        loss: Number(m.header.loss),
        logits: m.tensors.get("logits")!.data as Float32Array,
        state: toState(m, batch.batch),
        grads,
      };
    },

    async getParams() {
      enter();
      const m = await client.request({ op: "getParams" });
      const params: NamedTensors = new Map();
      for (const [name, shape] of shapes)
        params.set(name, { shape, data: m.tensors.get(name)!.data as Float32Array });
      return params;
    },

    async setParams(params) {
      enter();
      checkAnyHeadEngineInputs(config, params);
      await client.request(
        { op: "setParams" },
        [...params].map(([name, t]) => ({ name, shape: t.shape, data: t.data })),
      );
    },

    async getOptimizerState(): Promise<OptimizerState> {
      enter();
      const m = await client.request({ op: "getOptimizerState" });
      const slots = new Map<string, Float32Array>();
      for (const [key, t] of m.tensors) slots.set(key, t.data as Float32Array);
      return { kind: m.header.kind as OptimizerState["kind"], step: Number(m.header.step), slots };
    },

    async setOptimizerState(state) {
      enter();
      await client.request(
        { op: "setOptimizerState", kind: state.kind, step: state.step },
        [...state.slots].map(([key, data]) => ({ name: key, shape: [data.length], data })),
      );
    },

    dispose() {
      disposed = true;
      if (owned) workers.close();
    },
  };
}

function batchTensors(batch: TrainBatch): WireTensor[] {
  const shape = [batch.batch, batch.steps];
  const out: WireTensor[] = [
    { name: "x", shape, data: batch.x },
    { name: "y", shape, data: batch.y },
  ];
  if (batch.mask !== undefined) out.push({ name: "mask", shape, data: batch.mask });
  return out;
}

function stateTensors(state: RnnState): WireTensor[] {
  const shape = [state.layers, state.batch, state.hidden];
  const out: WireTensor[] = [{ name: "h", shape, data: state.h }];
  if (state.c !== undefined) out.push({ name: "c", shape, data: state.c });
  return out;
}

function isZero(state: RnnState): boolean {
  for (const data of [state.h, state.c]) {
    if (data === undefined) continue;
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) return false;
  }
  return true;
}

/**
 * A machine other than node 0 of a multi-machine job (`nodeRank` ≥ 1): starts its workers and waits
 * until they exit. They join the rendezvous at `masterAddr:masterPort` and follow rank 0, which
 * the CLI on node 0 drives; this machine writes no run directory.
 */
export async function runTorchFollowers(settings: TorchEngineSettings): Promise<{ worldSize: number }> {
  const { python, nproc } = resolveWorkers(settings);
  const launched = await launchWorkers(python, { ...settings, nproc }, settings.device);
  settings.log?.(
    `node ${settings.nodeRank ?? 0}: ${nproc} torch worker(s) joining ${settings.masterAddr ?? "127.0.0.1"}:${settings.masterPort}; node 0 writes the run`,
  );
  const codes = await launched.exited;
  const failed = codes.findIndex((code) => code !== 0);
  if (failed >= 0) {
    const tail = launched.stderrTail().split("\n").pop() ?? "";
    throw new CharrnnError(
      "TORCH_WORKER_FAILED",
      `torch worker (local rank ${failed}) exited with ${codes[failed] === null ? "a signal" : `code ${codes[failed]}`}${tail ? `: ${tail}` : ""}`,
    );
  }
  return { worldSize: launched.worldSize };
}

/** The interpreter, and the processes per machine: `nproc`, else one per GPU on cuda, else 1. */
function resolveWorkers(settings: TorchEngineSettings): { python: TorchPython; nproc: number } {
  const python = findTorchPython({
    ...(settings.python !== undefined && { python: settings.python }),
    ...(settings.env !== undefined && { env: settings.env }),
  });
  const gpu = settings.device === "cuda" || (settings.device === undefined && python.cudaDevices > 0);
  return { python, nproc: settings.nproc ?? (gpu ? Math.max(python.cudaDevices, 1) : 1) };
}
