import { constants } from "node:buffer";
import { totalmem } from "node:os";
import { CharrnnError } from "@charrnn/core";
import { gateCount, type ModelConfig } from "@charrnn/models";
import type { TrainSettings } from "./settings";

/** What training a model takes, by {@link estimateTraining}. */
export interface TrainingEstimate {
  /** Trainable numbers. */
  params: number;
  /** Elements of the largest single tensor (a weight matrix or the embedding). */
  largestTensor: number;
  /** Bytes the engine needs, by a generous estimate. */
  bytes: number;
}

/**
 * The size of training `config` with `settings`' batch and window, computed from the config alone
 * (nothing is allocated, so absurd sizes cost nothing to check): parameters, by layer; bytes for
 * weights, gradients and two optimizer slots, each with a working copy, plus the engine's own copies
 * and the checkpoint being written (12 floats a parameter; a 1×16000 GRU grew past 21 GB) plus
 * the activations of one window kept for backpropagation and their gradients (about 3 × batch × seq
 * × (layers × (gates + 2) × hidden + 2 × outputs) floats).
 */
export function estimateTraining(
  config: ModelConfig,
  settings: Pick<TrainSettings, "batch" | "seq">,
): TrainingEstimate {
  const g = gateCount(config.cell);
  const H = config.hidden;
  const V = config.vocabSize;
  const E = config.input === "embedding" ? (config.embed ?? 0) : V;
  const outputs = config.head?.kind === "classifier" ? config.head.labels.length : V;
  const embedding = config.input === "embedding" ? V * E : 0;
  const first = g * H * (E + H + 2);
  const deeper = (config.layers - 1) * g * H * (2 * H + 2);
  const params = embedding + first + deeper + outputs * (H + 1);
  const largestTensor = Math.max(embedding, g * H * Math.max(E, H), outputs * H);
  const activations = 3 * settings.batch * settings.seq * (config.layers * (g + 2) * H + 2 * outputs);
  return { params, largestTensor, bytes: 4 * (12 * params + activations) };
}

/** Share of the machine's memory a training run may plan to use. */
const MEMORY_SHARE = 0.8;

/**
 * Refuses, before anything is allocated, a model that cannot train here: more than 80 % of the
 * machine's memory (`CharrnnError` "TRAIN_MEMORY" saying how much it would need), or a tensor
 * larger than one typed array may be. The message names the settings to lower.
 */
export function checkTrainingMemory(
  config: ModelConfig,
  settings: Pick<TrainSettings, "batch" | "seq">,
  available: number = MEMORY_SHARE * totalmem(),
): void {
  const estimate = estimateTraining(config, settings);
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  const what = `a ${config.layers}×${config.hidden} ${config.cell} with ${config.input === "embedding" ? `embedding ${config.embed}, ` : ""}${config.vocabSize} tokens (${estimate.params.toExponential(2)} parameters), batch ${settings.batch} × seq ${settings.seq}`;
  const lower = "lower hidden, layers, embed, batch or seq";
  if (estimate.largestTensor * 4 > constants.MAX_LENGTH) {
    throw new CharrnnError(
      "TRAIN_MEMORY",
      `${what} has a weight matrix of ${estimate.largestTensor.toExponential(2)} numbers, more than one array can hold (${gib(constants.MAX_LENGTH)}); ${lower}`,
    );
  }
  if (estimate.bytes > available) {
    throw new CharrnnError(
      "TRAIN_MEMORY",
      `${what} would need about ${gib(estimate.bytes)} to train, more than the ${gib(available)} it may use here (80 % of memory); ${lower}`,
    );
  }
}
