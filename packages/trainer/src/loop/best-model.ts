import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BEST_CHECKPOINT, CHECKPOINT_DIR, MODEL_FILE } from "@charrnn/core";
import { type AtomicWriteFs, writeFileAtomic } from "@charrnn/core/node";
import { type ModelConfig, type ModelFile, type NamedTensors, serializeModel } from "@charrnn/models";
import type { VocabJSON } from "@charrnn/vocab";
import type { TrainProgress, ValidationState } from "../checkpoint/checkpoint-format";
import { readCheckpoint } from "../checkpoint/checkpoint-store";
import { writeFailed } from "../checkpoint/write-failed";

/**
 * The file `model.safetensors` holds for weights `params` at `progress`: the model with the facts of
 * its training (step, epoch, and the validation loss and accuracy when this step is the best one).
 */
export function inferenceModel(
  config: ModelConfig,
  vocab: VocabJSON,
  params: NamedTensors,
  progress: Pick<TrainProgress, "step" | "epoch">,
  validation: ValidationState,
): ModelFile {
  const atBest = validation.bestStep === progress.step;
  return {
    config,
    vocab,
    params,
    training: {
      step: progress.step,
      epoch: progress.epoch,
      valLoss: atBest ? validation.bestLoss : null,
      ...(atBest && validation.bestReport !== undefined && { valAccuracy: validation.bestReport.accuracy }),
    },
  };
}

/**
 * Restores "model.safetensors = the best checkpoint's weights" in `outDir`. A run writes
 * `best.safetensors` first and `model.safetensors` next, so a crash between the two leaves the model
 * file behind; a resume calls this before training on. Returns the step of the best checkpoint when
 * the model file had to be rewritten. A missing or damaged best checkpoint leaves the file alone (the
 * checkpoint search reports the damage).
 */
export function restoreBestModel(outDir: string, fs?: AtomicWriteFs): number | undefined {
  const bestPath = join(outDir, CHECKPOINT_DIR, BEST_CHECKPOINT);
  let best: ReturnType<typeof readCheckpoint>;
  try {
    best = readCheckpoint(bestPath);
  } catch {
    return undefined;
  }
  const bytes = serializeModel(
    inferenceModel(best.config, best.vocab, best.params, best.progress, best.validation),
  );
  const path = join(outDir, MODEL_FILE);
  let current: Uint8Array | undefined;
  try {
    current = readFileSync(path);
  } catch {
    current = undefined;
  }
  if (current !== undefined && Buffer.compare(current, bytes) === 0) return undefined;
  try {
    writeFileAtomic(path, bytes, fs);
  } catch (error) {
    throw writeFailed(path, error, "--resume");
  }
  return best.progress.step;
}
