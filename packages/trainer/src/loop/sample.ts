import type { Rng } from "@charrnn/core";
import type { ModelConfig, NamedTensors } from "@charrnn/models";
import { createTsStepModel, generate } from "@charrnn/sampler";
import type { Vocab } from "@charrnn/vocab";

/**
 * A short sample from the current weights, so users watch the model learn. Runs on the plain-TS
 * step model (any engine's weights are in the neutral layout) and draws from the run's `rng`, whose
 * state checkpoints carry, so a resumed run prints the same samples.
 */
export async function sampleText(
  config: ModelConfig,
  params: NamedTensors,
  vocab: Vocab,
  rng: Rng,
  length: number,
): Promise<string> {
  const model = createTsStepModel({ config, params });
  const result = await generate(model, vocab, { length, rng, temperature: 0.8 });
  return result.text;
}
