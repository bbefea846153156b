import type { AtomicWriteFs } from "@charrnn/core/node";
import type { LabelledText, TokenIds } from "@charrnn/data";
import type { NamedTensors } from "@charrnn/models";
import type { Vocab } from "@charrnn/vocab";
import type { ClassificationReport } from "../classify/metrics";
import type { EngineOptions, TrainingEngine } from "../engine/types";
import type { TrainSettings } from "./settings";

/**
 * The training data. A language model: UTF-8 text from a path or a list of them — each a file, a
 * directory (its files matching `dataGlob`, recursively) or a glob pattern, concatenated in sorted
 * order with `docSeparator` between files (`resolveCorpusFiles`) — text in memory, or ids already
 * encoded with their vocab. A classifier (`task: "classifier"`): a directory of `label.txt` files or a
 * `.csv`/`.tsv` of `text,label` rows, or labelled texts in memory.
 */
export type TrainCorpus =
  | string
  | readonly string[]
  | { text: string }
  | { ids: TokenIds; vocab: Vocab }
  | LabelledText;

/** Why `train` returned. */
export type StopReason =
  /** All `epochs` done. */
  | "completed"
  | "max-steps"
  | "time-budget"
  /** `earlyStopping` validations in a row without a new best. */
  | "early-stopped"
  /** The `signal` was aborted; a checkpoint was written after the step in progress. */
  | "interrupted"
  /**
   * A non-finite loss, gradient norm or weight, or a step loss over `10 × ln V` (see
   * `runawayLossLimit`) (with `onDiverge: "rollback"`, once no rollback is
   * left); the last good checkpoint is kept, nothing newer written.
   */
  | "diverged";

/** What `train` reports as it goes (the CLI renders these). */
export type TrainEvent =
  | {
      type: "start";
      step: number;
      epoch: number;
      resumedFrom?: string;
      /**
       * A fine-tune (`initFrom`): the model it starts from, how many tokens its vocabulary gained and
       * (a classifier) how many labels its head gained.
       */
      initFrom?: { path: string; addedTokens: number; addedLabels: number };
      settings: TrainSettings;
      engine: string;
      backend: string;
      paramCount: number;
      vocabSize: number;
      /** Tokens in the train and validation splits; for a classifier, examples. */
      trainTokens: number;
      valTokens: number;
      /** Tokens each validation scores, where `valMaxTokens` samples the split (absent: all of it). */
      valScored?: number;
      /** Tokens of `settings.testFile` (0 without one). */
      testTokens: number;
      /** A classifier's label names. */
      labels?: readonly string[];
      windowsPerEpoch: number;
    }
  | {
      type: "progress";
      step: number;
      epoch: number;
      window: number;
      windowsPerEpoch: number;
      /** Mean training loss (nats/token) since the previous progress event. */
      loss: number;
      lr: number;
      gradNorm: number;
      charsPerSec: number;
      elapsed: number;
    }
  | {
      type: "validation";
      step: number;
      epoch: number;
      valLoss: number;
      valBpc: number;
      valPpl: number;
      /** A new best: `model.safetensors` and the best checkpoint were updated. */
      best: boolean;
      /** A classifier's accuracy, per-label precision/recall and confusion matrix. */
      report?: ClassificationReport;
    }
  | {
      /** At the end of each epoch (after its validation), like PTB's per-epoch report. */
      type: "epoch";
      step: number;
      /** The epoch that ended (0-based, as in the other events). */
      epoch: number;
      /** Mean training loss (nats/token) over this session's updates in the epoch. */
      trainLoss: number;
      trainPpl: number;
      /** The epoch-end validation; absent without a validation split. */
      valLoss?: number;
      valPpl?: number;
      lr: number;
      /** Training tokens (chars or words) per second over the epoch, validation excluded. */
      tokensPerSec: number;
    }
  | {
      /** Once at the end of a run with `testFile` (not after an interrupt), on the final weights. */
      type: "test";
      step: number;
      epoch: number;
      testLoss: number;
      testBpc: number;
      testPpl: number;
    }
  | { type: "lr"; step: number; lr: number; previous: number }
  | { type: "sample"; step: number; text: string }
  | { type: "checkpoint"; step: number; path: string; best: boolean }
  | { type: "warning"; message: string }
  | {
      type: "end";
      step: number;
      epoch: number;
      stopReason: StopReason;
      elapsed: number;
      /** Divergence rollbacks over the whole run (see `TrainResult.rollbacks`). */
      rollbacks: number;
    };

/** Options of `train`: the corpus, where to write, how to build the engine, and any settings. */
export interface TrainOptions extends Partial<TrainSettings> {
  corpus: TrainCorpus;
  /** Directory for checkpoints, `model.safetensors`, `config.json`, `metrics.jsonl` and the lock. */
  outDir: string;
  /** Builds the engine (TF.js, reference, …) from the model config, initial weights and optimizer. */
  createEngine: (options: EngineOptions) => Promise<TrainingEngine>;
  /**
   * Continue from the newest valid checkpoint of this location (a checkpoint file, a checkpoints
   * directory, or an output directory); `true` means `outDir`. Settings stored in the checkpoint
   * apply unless given here; those that fix the model or the data order must match it.
   */
  resume?: string | boolean;
  /** Abort to stop after the current step with a checkpoint (`stopReason: "interrupted"`). */
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
  /** Clock in milliseconds, for tests of the time budget. @defaultValue `performance.now` */
  now?: () => number;
  /** File operations of checkpoint writes, for tests that simulate a full or failing disk. */
  checkpointFs?: AtomicWriteFs;
}

/** What `train` returns. */
export interface TrainResult {
  stopReason: StopReason;
  /** Updates done in total (over all sessions of the run). */
  step: number;
  epoch: number;
  elapsed: number;
  bestValLoss: number | null;
  bestStep: number;
  /** A classifier's report of its best validation (that of `model.safetensors`). */
  bestReport?: ClassificationReport;
  /** Latest validation loss, or `null` when none was measured. */
  lastValLoss: number | null;
  /** Loss (nats/token) of `testFile` on the final weights, or `null` when it was not scored. */
  testLoss: number | null;
  /**
   * Divergence rollbacks (`onDiverge: "rollback"`) over the whole run, earlier sessions included;
   * each halved the learning rate.
   */
  rollbacks: number;
  /** The newest checkpoint written or resumed from, if any. */
  checkpoint?: string;
  /** `model.safetensors` in `outDir`, when it was written. */
  modelPath?: string;
  /** The engine's weights when training stopped. */
  params: NamedTensors;
}
