import type { CellType, RnnState } from "@charrnn/models";

/** What a step model returns for a `[batch, steps]` block of tokens. */
export interface StepResult {
  /** `[batch, steps, vocab]` row-major, unnormalised. */
  logits: Float32Array;
  /** The state after the last step. */
  state: RnnState;
}

/**
 * The one interface every inference engine implements: tokens + state in, logits + state out.
 * The plain-TypeScript engine lives in this package; ONNX (onnxruntime) and TF.js engines live in
 * heavier packages and plug in here, so the sampler never depends on them.
 */
export interface StepModel {
  readonly cell: CellType;
  readonly layers: number;
  readonly hidden: number;
  readonly vocabSize: number;
  /** A zero state for `batch` streams. */
  initialState(batch: number): RnnState;
  /**
   * Runs `steps` time steps for `batch` independent streams. `tokens` is `[batch, steps]` row-major.
   * Must not modify `state`; returns a fresh one.
   */
  forward(tokens: Int32Array, batch: number, steps: number, state: RnnState): Promise<StepResult> | StepResult;
  /** Frees native or GPU resources, if any. */
  dispose?(): void | Promise<void>;
}
