export type { OrtNodeModule } from "@charrnn/onnx/ort-node";
export type { Checkpoint, TrainProgress, ValidationState } from "./checkpoint/checkpoint-format";
export { CHECKPOINT_FORMAT, decodeCheckpoint, encodeCheckpoint } from "./checkpoint/checkpoint-format";
export {
  findLatestCheckpoint,
  listCheckpoints,
  readCheckpoint,
  writeCheckpoint,
} from "./checkpoint/checkpoint-store";
export type { DirLock } from "./checkpoint/lock";
export { acquireDirLock } from "./checkpoint/lock";
export type { PaddedLabelledBatch } from "./classify/classifier-batch";
export { isClassifier, readClassifierBatch, toClassifierTrainBatch } from "./classify/classifier-batch";
export type { ClassificationReport } from "./classify/metrics";
export { balancedClassWeights, createConfusionAccumulator, reportFromConfusion } from "./classify/metrics";
export type { BackendSelection, SelectBackendOptions } from "./engine/backend";
export { BACKEND_NAMES, selectBackend } from "./engine/backend";
export type { OrtEngine, OrtEngineOptions } from "./engine/ort/ort-engine";
export { createOrtEngine } from "./engine/ort/ort-engine";
export type { OrtRuntimeEngineOptions } from "./engine/ort/ort-runtime-engine";
export { createOrtRuntimeEngine } from "./engine/ort/ort-runtime-engine";
export type { ReferenceEngine } from "./engine/reference-engine";
export { createReferenceEngine } from "./engine/reference-engine";
export type { TfjsEngine, TfjsEngineOptions } from "./engine/tfjs-engine";
export { createTfjsEngine } from "./engine/tfjs-engine";
export type { TfjsStepModelOptions } from "./engine/tfjs-step-model";
export { createTfjsStepModel } from "./engine/tfjs-step-model";
export type { FindTorchPythonOptions, TorchPython } from "./engine/torch/find-python";
export { findTorchPython } from "./engine/torch/find-python";
export type { TorchTopology } from "./engine/torch/launch";
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
export { evaluateSplit } from "./loop/evaluate";
export type { InitModel } from "./loop/fine-tune";
export { growParams, INIT_FIXED_SETTINGS, initSettings, loadInitModel } from "./loop/fine-tune";
export { initVocab } from "./loop/init-vocab";
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
export type { MetricsLog, MetricsRecord, OpenMetricsLogOptions } from "./metrics/metrics-log";
export { openMetricsLog } from "./metrics/metrics-log";
export { natsToBits, perplexity } from "./metrics/units";
export { clipGradients } from "./optim/clip";
export type { ResolvedOptimizerConfig } from "./optim/config";
export { OPTIMIZER_KINDS, resolveOptimizerConfig } from "./optim/config";
export type { Optimizer } from "./optim/optimizer";
export { createOptimizer } from "./optim/optimizer";
export { mergeTrainOptions, presetNames, resolvePreset } from "./presets/merge-options";
export type { TrainPreset } from "./presets/presets";
export { CLASSIFIER_PRESET, PRESETS } from "./presets/presets";
export type { Recipe } from "./presets/recipes";
export { RECIPES, recipeFor } from "./presets/recipes";
export type {
  LrPosition,
  LrSchedule,
  LrScheduleConfig,
  LrScheduleState,
  RunHorizon,
} from "./schedule/lr-schedule";
export {
  createLrSchedule,
  LR_SCHEDULE_KINDS,
  runProgress,
  validateLrSchedule,
  warmupFactor,
} from "./schedule/lr-schedule";
