import type { RnnState } from "@charrnn/models";
import { zeroState } from "@charrnn/models";
import type { EngineOptions, TorchEngine, TrainingEngine } from "@charrnn/trainer";
import * as trainer from "@charrnn/trainer";
import { createTfjsEngine } from "@charrnn/trainer/tfjs";
import {
  CLIP_NORM,
  cellTrainConfig,
  modelConfig,
  seededParams,
  shakespeare,
  trainBatches,
  trainRow,
} from "./configs";
import { timeSteps } from "./measure";
import type { CellIo, CellSpec } from "./types";

type EngineFactory = (options: EngineOptions) => TrainingEngine | Promise<TrainingEngine>;

/**
 * The native onnxruntime training engine, when @charrnn/trainer exports it (it is picked up
 * automatically once it lands; until then its cells are left out with a note).
 */
export function ortEngineFactory(): EngineFactory | undefined {
  const create = (trainer as Record<string, unknown>).createOrtEngine;
  return typeof create === "function" ? (create as EngineFactory) : undefined;
}

/** Whether tfjs-node is installed, so that a `tensorflow` backend cell makes sense. */
export async function hasTfjsNode(): Promise<boolean> {
  for (const name of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      await import(/* @vite-ignore */ name);
      return true;
    } catch {}
  }
  return false;
}

/** The training engine a cell names (`tfjs` on its backend, `reference`, `ort`, `torch`), over the given params. */
export async function createEngine(spec: CellSpec, options: EngineOptions): Promise<TrainingEngine> {
  switch (spec.engine) {
    case "tfjs":
      return createTfjsEngine({ ...options, backend: spec.backend });
    case "reference":
      return trainer.createReferenceEngine(options);
    case "ort": {
      const create = ortEngineFactory();
      if (create === undefined) throw new Error("createOrtEngine is not exported by @charrnn/trainer");
      return create(options);
    }
    case "torch":
      return trainer.createTorchEngine({
        ...options,
        device: (spec.backend ?? "torch-cpu").replace(/^torch-/, ""),
        nproc: 1,
        ...(spec.precision !== undefined && { precision: spec.precision }),
      });
    default:
      throw new Error(`unknown engine ${spec.engine}`);
  }
}

/**
 * Times `trainStep` of one engine on one standard config over tiny-Shakespeare TBPTT windows, the
 * state carried from window to window as in training.
 */
export async function runTrainCell(spec: CellSpec, io: CellIo): Promise<void> {
  const train = cellTrainConfig(spec.config!, spec.shrink);
  const config = modelConfig(train.model, shakespeare().vocab.size);
  const engine = await createEngine(spec, {
    config,
    params: seededParams(config),
    optimizer: train.optimizer,
  });
  const batches = trainBatches(train);
  const row = trainRow(spec, train, engine.name, engine.backend);
  let state: RnnState = zeroState(config, train.batch);
  let lastLoss = Number.NaN;
  // The torch engine reports its workers' share of each step: the rest is the wrapper's overhead.
  const workerSeconds: number[] = [];
  const timing = await timeSteps(
    async (k) => {
      const window = batches.window(k % batches.windowsPerEpoch);
      const out = await engine.trainStep(window, state, {
        lr: train.lr,
        clipNorm: CLIP_NORM,
        dropoutSeed: k,
      });
      state = out.state;
      lastLoss = out.loss;
      const worker = (engine as Partial<TorchEngine>).lastWorkerSeconds;
      if (worker !== undefined) workerSeconds.push(worker);
    },
    spec.budget,
    {
      onStart: io.stepsStarted,
      onProgress: (partial) => io.emit([row("partial", partial.times, partial.median)], false),
    },
  );
  const done = row("ok", timing.times, timing.median);
  done.extra = { lastLoss: Number(lastLoss.toFixed(4)) };
  if (workerSeconds.length > 0) {
    // Over the timed steps only (the warm-up steps come first).
    const timed = workerSeconds.slice(workerSeconds.length - timing.times.length);
    const overhead =
      timing.times.reduce((sum, t, i) => sum + t - timed[i]!, 0) / timing.times.reduce((a, b) => a + b, 0);
    done.extra.wrapperOverhead = `${(100 * overhead).toFixed(1)} %`;
  }
  io.emit([done], true);
  engine.dispose();
}
