import { createRng } from "@charrnn/core";
import type { ModelConfig } from "@charrnn/models";
import { initParams } from "@charrnn/models";
import { Vocab } from "@charrnn/vocab";
import { mergeTrainOptions } from "../presets/merge-options";
import type { Checkpoint } from "./checkpoint-format";

/** Test fixtures: a tiny LSTM's full checkpoint, distinct per step, for the checkpoint tests. */
export const testVocab = Vocab.fromText("hello world");

export const testConfig: ModelConfig = {
  cell: "lstm",
  layers: 2,
  hidden: 3,
  vocabSize: testVocab.size,
  input: "embedding",
  embed: 2,
  dropout: 0,
  init: { kind: "uniform", scale: 0.1 },
  forgetBias: 0,
};

export function makeCheckpoint(step: number): Checkpoint {
  const config = testConfig;
  const rng = createRng(step);
  const params = initParams(config, rng);
  const slots = new Map<string, Float32Array>();
  for (const [name, t] of params)
    slots.set(
      `${name}/m`,
      t.data.map((v) => v * 0.5 + step),
    );
  const n = config.layers * 2 * config.hidden;
  return {
    config,
    vocab: testVocab.toJSON(),
    settings: mergeTrainOptions("quickstart", undefined, { batch: 2 }),
    params,
    optimizer: { kind: "adam", step: step * 3, slots },
    carried: {
      layers: 2,
      batch: 2,
      hidden: 3,
      h: Float32Array.from({ length: n }, (_, i) => i / 7),
      c: Float32Array.from({ length: n }, (_, i) => -i / 3),
    },
    progress: { step, epoch: 2, window: 5, elapsed: 12.5, tokens: 4096 },
    schedule: { lr: 0.001, best: 1.25, bad: 1 },
    rng: rng.state(),
    validation: { bestLoss: 1.2, bestStep: step - 1, badEvals: 1, lastStep: step },
  };
}
