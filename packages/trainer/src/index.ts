export type {
  EngineOptions,
  EvalResult,
  OptimizerConfig,
  OptimizerState,
  StepOptions,
  TrainBatch,
  TrainingEngine,
  TrainStepResult,
} from "./engine/types";
