/**
 * `@charrnn/trainer`: what a user of the package needs — `train` (language models and classifiers,
 * resume, fine-tune) with its options, settings, presets and recipes; the engine interface and the
 * engine factories; the optimizer and schedule settings a user configures; reading a run's
 * checkpoints; and the types of results, events and metrics records. The loop's parts (lock,
 * checkpoint writer, metrics log, classifier batches, fine-tune helpers, schedule state) stay inside:
 * tests import them by relative path. `./browser` is the browser-safe subset; `./tfjs` the TF.js
 * engine, which this entry loads only through `importTfjs`.
 */

export type { Checkpoint, TrainProgress, ValidationState } from "./checkpoint/checkpoint-format";
export { decodeCheckpoint } from "./checkpoint/checkpoint-format";
export { findLatestCheckpoint, listCheckpoints, readCheckpoint } from "./checkpoint/checkpoint-store";
export type { ClassificationReport } from "./classify/metrics";
export type { ImportTfjsOptions, TfjsModule } from "./engine/import-tfjs";
export { BACKEND_NAMES, importTfjs } from "./engine/import-tfjs";
export type { OrtEngine, OrtEngineOptions } from "./engine/ort/ort-engine";
export { createOrtEngine } from "./engine/ort/ort-engine";
export type { OrtRuntimeEngineOptions } from "./engine/ort/ort-runtime-engine";
export { createOrtRuntimeEngine } from "./engine/ort/ort-runtime-engine";
export type { ReferenceEngine } from "./engine/reference-engine";
export { createReferenceEngine } from "./engine/reference-engine";
export type { FindTorchPythonOptions, TorchPython } from "./engine/torch/find-python";
export { findTorchPython } from "./engine/torch/find-python";
export type { TorchTopology } from "./engine/torch/launch";
export { TORCH_PRECISIONS, type TorchPrecision } from "./engine/torch/precisions";
export type {
  TorchEngine,
  TorchEngineOptions,
  TorchEngineSettings,
  TorchWorkers,
} from "./engine/torch/torch-engine";
export { createTorchEngine, runTorchFollowers, startTorchWorkers } from "./engine/torch/torch-engine";
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
export { INIT_FIXED_SETTINGS } from "./loop/fine-tune";
export { RESUME_FIXED_SETTINGS } from "./loop/resume";
export type {
  ClassWeighting,
  DataLayout,
  DivergePolicy,
  InitVocabMode,
  TrainSettings,
  TrainTask,
} from "./loop/settings";
export {
  DEFAULT_TRAIN_SETTINGS,
  modelConfig,
  TRAIN_SETTING_KEYS,
  validateTrainSettings,
} from "./loop/settings";
export { train } from "./loop/train";
export type { StopReason, TrainCorpus, TrainEvent, TrainOptions, TrainResult } from "./loop/train-types";
export type { MetricsRecord } from "./metrics/metrics-log";
export { natsToBits, perplexity } from "./metrics/units";
export { OPTIMIZER_KINDS } from "./optim/config";
export type { MachineRecipe, MeasureSpeedOptions, RowSpeed, Throughput } from "./presets/machine-speed";
export { measureThroughput, recipeForMachine, TABLE_MACHINE } from "./presets/machine-speed";
export { mergeTrainOptions, presetNames, resolvePreset } from "./presets/merge-options";
export type { TrainPreset } from "./presets/presets";
export { CLASSIFIER_PRESET, PRESETS } from "./presets/presets";
export type { Recipe } from "./presets/recipes";
export { RECIPES, recipeCosine, recipeFor } from "./presets/recipes";
export type { LrScheduleConfig } from "./schedule/lr-schedule";
export { LR_SCHEDULE_KINDS } from "./schedule/lr-schedule";
