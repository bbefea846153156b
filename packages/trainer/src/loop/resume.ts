import { CharrnnError } from "@charrnn/core";
import type { Checkpoint } from "../checkpoint/checkpoint-format";
import {
  DEFAULT_TRAIN_SETTINGS,
  TRAIN_SETTING_KEYS,
  type TrainSettings,
  validateTrainSettings,
} from "./settings";

/**
 * Settings a resumed run cannot change: they fix the model, the vocabulary, the order and shape of
 * the training windows (and so the data cursor and the carried state), or the optimizer's slots.
 */
export const RESUME_FIXED_SETTINGS: readonly (keyof TrainSettings)[] = [
  "task",
  "pooling",
  "classWeights",
  "cell",
  "layers",
  "hidden",
  "input",
  "embed",
  "dropout",
  "inputDropout",
  "weightDrop",
  "dropoutMode",
  "level",
  "vocabMaxSize",
  "vocabMinCount",
  "initFrom",
  "initVocab",
  "dataGlob",
  "docSeparator",
  "splitChunks",
  "split",
  "layout",
  "seq",
  "batch",
  "valFraction",
  "validFile",
  "seed",
  "optimizer",
];

/** The settings given to `train`, without its other options. */
export function pickSettings(options: Record<string, unknown>): Partial<TrainSettings> {
  const picked: Record<string, unknown> = {};
  for (const key of TRAIN_SETTING_KEYS) if (options[key] !== undefined) picked[key] = options[key];
  return picked as Partial<TrainSettings>;
}

/**
 * The settings of a resumed run: the checkpoint's, overridden by those given (e.g. more epochs, a
 * new time budget). A given value that differs from the checkpoint's in a fixed setting is a
 * `CharrnnError` "RESUME_SETTINGS_MISMATCH" naming the setting, both values and the file.
 */
export function resumeSettings(
  checkpoint: Checkpoint,
  given: Partial<TrainSettings>,
  path: string,
): TrainSettings {
  // Checkpoints from before `valBatch` scored validation in `batch` streams: keep that, so a resumed
  // run's new best is not a change of measurement.
  const saved = { ...DEFAULT_TRAIN_SETTINGS, ...checkpoint.settings };
  if (checkpoint.settings.valBatch === undefined) saved.valBatch = saved.batch;
  for (const key of RESUME_FIXED_SETTINGS) {
    const value = given[key];
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(saved[key])) {
      throw new CharrnnError(
        "RESUME_SETTINGS_MISMATCH",
        `cannot resume ${path} with ${key} ${JSON.stringify(value)}: the run was trained with ${JSON.stringify(saved[key])}; drop the option or start a new outDir`,
      );
    }
  }
  return validateTrainSettings({ ...saved, ...given });
}
