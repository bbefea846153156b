import { CharrnnRangeError, isCharrnnError } from "@charrnn/core";
import { UsageError } from "./options";

/** Library option names and the CLI flags that set them, so range errors name what the user typed. */
const FLAG_OF: Readonly<Record<string, string>> = {
  temperature: "--temperature",
  topK: "--top-k",
  topP: "--top-p",
  minP: "--min-p",
  repetitionPenalty: "--repetition-penalty",
  length: "--length",
  num: "--num",
  beamWidth: "--beam",
  batch: "--batch",
  seq: "--seq",
  steps: "--seq",
  hidden: "--hidden",
  layers: "--layers",
  embed: "--embed",
  dropout: "--dropout",
  inputDropout: "--input-dropout",
  warmupSteps: "--warmup-steps",
  earlyStopping: "--patience",
  minDelta: "--min-delta",
  "lrSchedule.kind": "--lr-schedule",
  "lrSchedule.factor": "--lr-decay",
  "lrSchedule.after": "--lr-decay-after",
  "lrSchedule.patience": "--lr-patience",
  "lrSchedule.minLr": "--min-lr",
  lr: "--lr",
  clip: "--clip",
  epochs: "--epochs",
  maxSteps: "--max-steps",
  timeBudget: "--time-budget",
  valFraction: "--val-fraction",
  checkpointEvery: "--checkpoint-every",
  keepLast: "--keep-last",
  onDiverge: "--on-diverge",
  maxRollbacks: "--max-rollbacks",
  cell: "--cell",
  input: "--input",
  level: "--level",
  initVocab: "--vocab",
  optimizer: "--optimizer",
  backend: "--backend",
  preset: "--preset",
  opset: "--opset",
};

/** Runs `fn`, turning a library range error about a known option into a usage error naming its flag. */
export async function withFlagNames<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof CharrnnRangeError) {
      const flag = FLAG_OF[error.option];
      if (flag) throw new UsageError(error.message.replace(error.option, flag));
    }
    // A model too large for this machine comes from the size flags: a usage error naming them.
    if (isCharrnnError(error) && error.code === "TRAIN_MEMORY") {
      throw new UsageError(
        error.message.replace(
          /; lower (.*)$/,
          (_, names: string) => `; lower ${names.replace(/\w+/g, (n) => FLAG_OF[n] ?? n)}`,
        ),
      );
    }
    throw error;
  }
}
