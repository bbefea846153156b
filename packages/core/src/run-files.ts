/**
 * The layout of a training run's output directory, shared by the trainer that writes it and the
 * tools that read it (the CLI, the model loader, the tests).
 */

/** The trained model (config, vocab and weights in one safetensors file). */
export const MODEL_FILE = "model.safetensors";
/** The resolved training settings and model config of the run. */
export const CONFIG_FILE = "config.json";
/** One JSON line per logged step and evaluation. */
export const METRICS_FILE = "metrics.jsonl";
/** Holds the pid of the process training into the directory. */
export const LOCK_FILE = "train.lock";
/** Sub-directory of the output directory holding the checkpoints. */
export const CHECKPOINT_DIR = "checkpoints";
/** The checkpoint with the best validation loss, beside the periodic ones. */
export const BEST_CHECKPOINT = "best.safetensors";

/** File name of the periodic checkpoint taken after `step` updates: `ckpt-00001234.safetensors`. */
export function checkpointFileName(step: number): string {
  return `ckpt-${String(step).padStart(8, "0")}.safetensors`;
}
