import type { ModelConfig, NamedTensors, RnnState } from "@charrnn/models";

/** One window of training data: `x` and `y` are `[batch, steps]` row-major token ids (y = x shifted by one). */
export interface TrainBatch {
  x: Int32Array;
  y: Int32Array;
  batch: number;
  steps: number;
  /** Optional per-position weights `[batch, steps]` (0 masks a position out), for padded layouts. */
  mask?: Float32Array;
}

/** Optimizer settings; the learning rate comes per step from the schedule. */
export type OptimizerConfig =
  | { kind: "sgd"; momentum?: number; nesterov?: boolean; weightDecay?: number }
  | { kind: "adam"; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number }
  | { kind: "rmsprop"; decay?: number; epsilon?: number; momentum?: number; centered?: boolean }
  | { kind: "adagrad"; epsilon?: number; initialAccumulator?: number };

/**
 * Optimizer state in a framework-neutral form so that checkpoints are portable between engines:
 * `slots` is keyed `${paramName}/${slotName}` (e.g. `rnn.weight_hh_l0/m`), each shaped like the parameter.
 */
export interface OptimizerState {
  kind: OptimizerConfig["kind"];
  /** Number of updates applied (Adam's bias correction uses it). */
  step: number;
  slots: Map<string, Float32Array>;
}

export interface StepOptions {
  /** Learning rate for this update. */
  lr: number;
  /** Global-norm clip threshold; 0 or absent disables clipping. */
  clipNorm?: number;
  /** Seed for this step's dropout masks, so a resumed run draws the same masks. */
  dropoutSeed: number;
}

export interface TrainStepResult {
  /** Mean cross-entropy over the (unmasked) positions, nats per token. */
  loss: number;
  /** Global L2 norm of the gradient before clipping. */
  gradNorm: number;
  /** State after the window, to carry into the next window of the same streams. */
  state: RnnState;
}

export interface EvalResult {
  /** Sum of per-token cross-entropy (nats) and number of tokens it covers. */
  lossSum: number;
  count: number;
  state: RnnState;
  /** `[batch, labels]` label scores, from engines that run classifiers (classifier configs only). */
  logits?: Float32Array;
}

/** What `TrainingEngine.lossAndGrads` returns. */
export interface LossAndGradsResult {
  /** Mean cross-entropy over the (unmasked) positions. */
  loss: number;
  /** Logits `[batch, steps, vocab]`, batch-major. */
  logits: Float32Array;
  state: RnnState;
  /** d loss / d parameter, named and shaped like the parameters. */
  grads: NamedTensors;
}

/**
 * A training engine: forward + backward over one window with carried state, an optimizer update,
 * and parameters in the framework-neutral layout of @charrnn/models. The training loop, schedules,
 * checkpoints and CLI only ever talk to this interface, so a faster engine drops in unchanged.
 */
export interface TrainingEngine {
  /** e.g. `tfjs`, `reference`. */
  readonly name: string;
  /** The backend actually in use, e.g. `tensorflow` (tfjs-node), `wasm`, `cpu`. */
  readonly backend: string;
  readonly config: ModelConfig;
  trainStep(batch: TrainBatch, state: RnnState, options: StepOptions): Promise<TrainStepResult>;
  evaluate(batch: TrainBatch, state: RnnState): Promise<EvalResult>;
  /**
   * Loss, logits, final state and gradients of one window without updating anything (no dropout):
   * what `charrnn parity` compares across engines. Optional so that engines without it still fit.
   */
  lossAndGrads?(batch: TrainBatch, state: RnnState): Promise<LossAndGradsResult>;
  getParams(): Promise<NamedTensors>;
  setParams(params: NamedTensors): Promise<void>;
  getOptimizerState(): Promise<OptimizerState>;
  setOptimizerState(state: OptimizerState): Promise<void>;
  dispose(): void;
}

export interface EngineOptions {
  config: ModelConfig;
  params: NamedTensors;
  optimizer: OptimizerConfig;
}
