import type { CellType, RnnState } from "@charrnn/models";

/** What a step model returns for a `[batch, steps]` block of tokens. */
export interface StepResult {
  /** `[batch, steps, vocab]` row-major, unnormalised. */
  logits: Float32Array;
  /** The state after the last step. */
  state: RnnState;
}

/** Hints for one `forward` call. Engines may ignore them. */
export interface ForwardOptions {
  /**
   * Only the last step's logits are needed (priming, scoring the next token). An engine that honours
   * it returns `[batch, 1, vocab]` logits; callers tell the two apart by `logits.length`.
   * @defaultValue false
   */
  lastOnly?: boolean;
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
  forward(
    tokens: Int32Array,
    batch: number,
    steps: number,
    state: RnnState,
    options?: ForwardOptions,
  ): Promise<StepResult> | StepResult;
  /** Frees native or GPU resources, if any. */
  dispose?(): void | Promise<void>;
}
