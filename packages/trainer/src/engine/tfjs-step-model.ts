import type { ModelConfig, NamedTensors, RnnState } from "@charrnn/models";
import type { StepModel, StepResult } from "@charrnn/sampler";
import { createTfjsEngine } from "./tfjs-engine";

/** Options of {@link createTfjsStepModel}. */
export interface TfjsStepModelOptions {
  config: ModelConfig;
  params: NamedTensors;
  /** TF.js backend, as `selectBackend` takes it. @defaultValue "auto" */
  backend?: string;
}

/**
 * The TF.js model as a sampler `StepModel`, so TF.js users can generate and score with the same
 * decoding code and so the engine contract suite can hold TF.js to the same numbers as the others.
 * It runs the training engine's window pass (which also computes gradients): correct, but slower than
 * the plain-TS engine for sampling.
 */
export async function createTfjsStepModel(options: TfjsStepModelOptions): Promise<StepModel> {
  const { config } = options;
  const engine = await createTfjsEngine({
    config,
    params: options.params,
    optimizer: { kind: "sgd" },
    ...(options.backend !== undefined && { backend: options.backend }),
  });
  const zeros = (batch: number): RnnState => {
    const n = config.layers * batch * config.hidden;
    const state: RnnState = { layers: config.layers, batch, hidden: config.hidden, h: new Float32Array(n) };
    if (config.cell === "lstm") state.c = new Float32Array(n);
    return state;
  };
  return {
    cell: config.cell,
    layers: config.layers,
    hidden: config.hidden,
    vocabSize: config.vocabSize,
    initialState: zeros,
    async forward(tokens, batch, steps, state): Promise<StepResult> {
      // Targets only feed the loss, which is discarded here.
      const result = await engine.lossAndGrads(
        { x: tokens, y: new Int32Array(tokens.length), batch, steps },
        state,
      );
      return { logits: result.logits, state: result.state };
    },
    dispose: () => engine.dispose(),
  };
}
