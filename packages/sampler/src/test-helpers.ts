// Helpers shared by this package's tests (not exported from the package).

import type { Rng } from "@charrnn/core";
import {
  dequantizeRows,
  type Int8Rows,
  initParams,
  int8Weights,
  type ModelConfig,
  type NamedTensors,
  type RnnState,
} from "@charrnn/models";
import type { StepModel, StepResult } from "./step-model";

export function makeConfig(over: Partial<ModelConfig> & Pick<ModelConfig, "cell">): ModelConfig {
  return {
    layers: 1,
    hidden: 5,
    vocabSize: 7,
    input: "embedding",
    embed: 4,
    dropout: 0,
    init: { kind: "uniform", scale: 0.5 },
    forgetBias: 0,
    ...over,
  };
}

/** Uniform ±scale for every parameter, biases included (`initParams`' uniform scheme, no forget bias). */
export function randomParams(config: ModelConfig, rng: Rng, scale = 0.5): NamedTensors {
  return initParams({ ...config, init: { kind: "uniform", scale }, forgetBias: 0 }, rng);
}

/**
 * A fake step model whose logits at generation step s (counted per stream from the first forward
 * call, one per fed token) come from `table(step, lastToken, stream)`. Records every call.
 */
export function fakeModel(
  vocabSize: number,
  table: (step: number, lastToken: number, stream: number) => ArrayLike<number>,
): StepModel & { calls: { batch: number; steps: number; tokens: number[] }[] } {
  const calls: { batch: number; steps: number; tokens: number[] }[] = [];
  return {
    cell: "rnn",
    layers: 1,
    hidden: 1,
    vocabSize,
    calls,
    initialState(batch: number): RnnState {
      return { layers: 1, batch, hidden: 1, h: new Float32Array(batch) };
    },
    forward(tokens, batch, steps, state): StepResult {
      calls.push({ batch, steps, tokens: Array.from(tokens) });
      const logits = new Float32Array(batch * steps * vocabSize);
      const h = new Float32Array(batch);
      for (let b = 0; b < batch; b++) {
        // The "state" counts tokens fed so far: the step index of the next distribution.
        let count = state.h[b]!;
        for (let t = 0; t < steps; t++) {
          count++;
          logits.set(table(count - 1, tokens[b * steps + t]!, b), (b * steps + t) * vocabSize);
        }
        h[b] = count;
      }
      return { logits, state: { layers: 1, batch, hidden: 1, h } };
    },
  };
}

/**
 * The int8 rows of every weight matrix (`int8Weights`, the rule an int8 model file uses) and the params
 * with those matrices dequantized: the float32 model an int8 engine must match.
 */
export function quantizeWeights(
  config: ModelConfig,
  params: NamedTensors,
): { int8: Map<string, Int8Rows>; dequantized: NamedTensors } {
  const int8 = int8Weights({ config, params });
  const dequantized: NamedTensors = new Map(params);
  for (const [name, q] of int8) {
    dequantized.set(name, { shape: params.get(name)!.shape, data: dequantizeRows(q) });
  }
  return { int8, dequantized };
}
