/**
 * `@charrnn/trainer/browser`: the parts of the trainer that run in a browser (or a Web Worker) —
 * the plain-TS reference engine, the ORT engine on a runtime the caller passes in
 * (`createOrtRuntimeEngine({ ort: await import("onnxruntime-web"), … })`), the engine interface,
 * the optimizer and schedule settings they take, and split evaluation.
 * Nothing reachable from here imports `node:*`, onnxruntime-node or TF.js (browser.test.ts walks
 * the import graph to keep it so); the full entry adds the onnxruntime-node and PyTorch engines, the
 * training loop, checkpoints and metrics files, and `@charrnn/trainer/tfjs` the TF.js engine, which
 * need Node.
 */

export type { OrtEngine, OrtRuntimeEngineOptions } from "./engine/ort/ort-runtime-engine";
export { createOrtRuntimeEngine } from "./engine/ort/ort-runtime-engine";
export type { ReferenceEngine } from "./engine/reference-engine";
export { createReferenceEngine } from "./engine/reference-engine";
export type {
  EngineOptions,
  EvalResult,
  LossAndGradsResult,
  OptimizerConfig,
  OptimizerState,
  StepOptions,
  TrainBatch,
  TrainingEngine,
  TrainStepResult,
} from "./engine/types";
export { evaluateSplit, type SplitScoring } from "./loop/evaluate";
export { natsToBits, perplexity } from "./metrics/units";
export { OPTIMIZER_KINDS } from "./optim/config";
export type { LrScheduleConfig } from "./schedule/lr-schedule";
export { LR_SCHEDULE_KINDS } from "./schedule/lr-schedule";
