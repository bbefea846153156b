// Helpers shared by this package's tests (not exported from the package).
import { initParams, type ModelConfig, type NamedTensors, type RnnState } from "@charrnn/models";
import type { Rng } from "@charrnn/vocab";
import type { StepModel, StepResult } from "./step-model";
import type { Int8Rows } from "./wasm-engine";

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
 * Per-row symmetric int8 of every weight matrix (`w ≈ values · scale`, scale = max|row| / 127) and the
 * params with those matrices dequantized: the float32 model an int8 engine must match.
 */
export function quantizeWeights(params: NamedTensors): {
  int8: Map<string, Int8Rows>;
  dequantized: NamedTensors;
} {
  const int8 = new Map<string, Int8Rows>();
  const dequantized: NamedTensors = new Map(params);
  for (const [name, tensor] of params) {
    if (tensor.shape.length !== 2 || name === "embedding.weight") continue;
    const [rows, cols] = tensor.shape as [number, number];
    const values = new Int8Array(rows * cols);
    const scales = new Float32Array(rows);
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      let max = 0;
      for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(tensor.data[r * cols + c]!));
      const scale = max > 0 ? Math.fround(max / 127) : 1;
      scales[r] = scale;
      for (let c = 0; c < cols; c++) {
        values[r * cols + c] = Math.round(tensor.data[r * cols + c]! / scale);
        data[r * cols + c] = values[r * cols + c]! * scale;
      }
    }
    int8.set(name, { rows, cols, values, scales });
    dequantized.set(name, { ...tensor, data });
  }
  return { int8, dequantized };
}
