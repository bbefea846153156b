import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import {
  type CellType,
  type DropoutMode,
  type InitScheme,
  type InputMode,
  type ModelConfig,
  type Pooling,
  validateConfig,
} from "@charrnn/models";
import { SCORE_STREAMS } from "@charrnn/sampler";
import type { VocabLevel } from "@charrnn/vocab";
import type { OptimizerConfig } from "../engine/types";
import { OPTIMIZER_KINDS, resolveOptimizerConfig } from "../optim/config";
import { type LrScheduleConfig, validateLrSchedule } from "../schedule/lr-schedule";

import {
  type CorpusSplitMode,
  DATA_LAYOUTS,
  type DataLayout,
  DIVERGE_POLICIES,
  type DivergePolicy,
  INIT_VOCAB_MODES,
  type InitVocabMode,
  SPLIT_MODES,
} from "./setting-kinds";

export type { CorpusSplitMode, DataLayout, DivergePolicy, InitVocabMode };

/** What a run trains: a next-token language model, or a sequence classifier (labelled texts). */
export type TrainTask = "language-model" | "classifier";

/** Class weights of a classifier's loss: none, or `n / (labels · count_label)` per example. */
export type ClassWeighting = "none" | "balanced";

/**
 * Every training setting that is plain data: what presets, `--config file.json` and CLI flags set,
 * what `config.json` records and what a checkpoint stores to resume. Model fields mirror `ModelConfig`.
 */
export interface TrainSettings {
  /**
   * A classifier reads labelled texts (a directory of `label.txt` files or a `.csv`/`.tsv`) and
   * validates on a stratified `valFraction` of each label; absent means a language model.
   */
  task?: TrainTask;
  /** Classifier only: how the states become one vector (`last` state or `mean` over the real steps). */
  pooling?: Pooling;
  /** Classifier only: `balanced` weighs each example by `n / (labels · count_label)` in the loss. */
  classWeights?: ClassWeighting;
  cell: CellType;
  layers: number;
  hidden: number;
  input: InputMode;
  /** Embedding width (`input: "embedding"` only). */
  embed?: number;
  dropout: number;
  /**
   * Dropout on the embedded inputs (Zaremba et al., `ptb_word_lm.py`), in [0, 1); embedding input
   * only. Drawn independently of `dropout`'s masks.
   */
  inputDropout: number;
  /** DropConnect on each layer's recurrent weights (AWD-LSTM's weight drop), in [0, 1); 0 is off. */
  weightDrop: number;
  /** `step`: fresh dropout masks at every time step; `locked`: one per stream for the whole window. */
  dropoutMode: DropoutMode;
  init: InitScheme;
  forgetBias: number;
  /** Vocabulary built from the corpus: characters (code points) or words. */
  level: VocabLevel;
  /** Word level: keep the most frequent tokens up to this size (PTB: 10 000). Bpe: tokens to learn. */
  vocabMaxSize?: number;
  /** Word level: tokens seen fewer times in the training text become `<unk>`. */
  vocabMinCount?: number;
  /**
   * Fine-tune: start from the weights of this model file or run directory (its architecture, fresh
   * optimizer state, step 0) instead of a fresh initialisation.
   */
  initFrom?: string;
  /**
   * Fine-tune: tokens of the new text the model lacks grow the vocabulary (`extend`, the default)
   * or follow the OOV policy (`keep`: `<unk>` for words, dropped for characters).
   */
  initVocab?: InitVocabMode;
  layout: DataLayout;
  /** Window length T (time steps per update). */
  seq: number;
  batch: number;
  /** Fraction of the corpus, taken from its end, held out for validation (0 disables validation). */
  valFraction: number;
  /**
   * A separate validation file (PTB-style pre-split corpora); replaces the `valFraction` split, so
   * the whole corpus trains. Word vocabularies come from the corpus alone (its other tokens →
   * `<unk>`); char vocabularies also take the characters of this file and `testFile`.
   */
  validFile?: string;
  /** A test file, scored with the final weights when the run ends (`testLoss`/`testPpl`). */
  testFile?: string;
  /**
   * Which files of a corpus directory train (and of `validFile`/`testFile` directories): a glob
   * over paths relative to the directory (see `resolveCorpusFiles`). @defaultValue `"*.txt"`
   */
  dataGlob?: string;
  /** Text put between the files of a corpus of several files. @defaultValue `"\n"` */
  docSeparator?: string;
  /**
   * Where `valFraction` comes from: the end of the whole corpus (`end`), the end of each file
   * (`per-file`), so validation covers every source, or the end of each of `splitChunks` equal pieces
   * of the corpus (`chunks`), char-rnn's split, so losses compare with char-rnn's. @defaultValue `"end"`
   */
  split?: CorpusSplitMode;
  /** `split: "chunks"`: how many equal pieces. @defaultValue 50 (char-rnn's batch size, its row count) */
  splitChunks?: number;
  lr: number;
  optimizer: OptimizerConfig;
  /** Global-norm gradient clip (0 disables). */
  clip: number;
  lrSchedule: LrScheduleConfig;
  /** Linear learning-rate warm-up over the first N updates, on top of any schedule (0 = none). */
  warmupSteps: number;
  epochs: number;
  /** Stop after this many updates in total (0 = no limit). */
  maxSteps: number;
  /** Stop after this many seconds of training in this call (0 = no limit); a resumed run gets a fresh budget. */
  timeBudget: number;
  /**
   * Validate every N updates, and at the end of each epoch unless the run has a `timeBudget` (0 =
   * only at the end of each epoch). Every run also validates when it stops.
   */
  valEvery: number;
  /** Window length used for validation; larger windows are faster and lose nothing (state is carried). */
  valSteps: number;
  /**
   * Parallel streams validation and test are scored in. Each starts from a zero state, so its first
   * tokens lack context: fewer streams score closer to the text's true loss (tiny Shakespeare's last
   * 10 %: 1.4450 in 1 stream, 1.4454 in 8, 1.4497 in 64, one model), more run faster. The default is
   * `charrnn eval`'s (scoreCorpus's), so training and eval report the same loss, whatever the batch.
   */
  valBatch: number;
  /**
   * Tokens each validation scores at most (0 = the whole split): every stream scores its first
   * floor(valMaxTokens / valBatch), so the sample spans the split and is the same each time. A big
   * corpus's tenth would otherwise cost minutes a validation, out of a time budget; `charrnn eval`
   * still scores all of it.
   */
  valMaxTokens: number;
  /** Stop after this many validations in a row without a new best (0 disables). */
  earlyStopping: number;
  /**
   * A validation counts as an improvement for `earlyStopping` only when it beats the best loss so far
   * by more than this (nats/token). The best model is still the lowest loss.
   */
  minDelta: number;
  /** Print a sample every N updates (0 disables). */
  sampleEvery: number;
  sampleLength: number;
  checkpointEvery: number;
  /** Periodic checkpoints kept besides the best one. */
  keepLast: number;
  /** Emit a progress event and a metrics line every N updates. */
  logEvery: number;
  seed: number;
  /** What a divergence does: stop, or roll back to the last checkpoint with half the learning rate. */
  onDiverge: DivergePolicy;
  /** Rollbacks allowed over the whole run (resumes included) before a divergence stops it. */
  maxRollbacks: number;
}

/** Defaults for fields a preset, config file and flags all leave unset. */
export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  cell: "lstm",
  layers: 2,
  hidden: 128,
  input: "embedding",
  embed: 64,
  dropout: 0,
  inputDropout: 0,
  weightDrop: 0,
  dropoutMode: "step",
  init: { kind: "pytorch" },
  forgetBias: 0,
  level: "char",
  layout: "stream",
  seq: 64,
  batch: 32,
  valFraction: 0.1,
  lr: 2e-3,
  optimizer: { kind: "adam" },
  clip: 5,
  lrSchedule: { kind: "constant" },
  warmupSteps: 0,
  epochs: 10,
  maxSteps: 0,
  timeBudget: 0,
  valEvery: 500,
  valSteps: 256,
  valBatch: SCORE_STREAMS,
  valMaxTokens: 0,
  earlyStopping: 0,
  minDelta: 0,
  sampleEvery: 0,
  sampleLength: 200,
  checkpointEvery: 500,
  keepLast: 3,
  logEvery: 10,
  seed: 42,
  onDiverge: "stop",
  maxRollbacks: 3,
};

/** Names of every setting, for unknown-key checks. */
export const TRAIN_SETTING_KEYS: readonly string[] = [
  ...Object.keys(DEFAULT_TRAIN_SETTINGS),
  "vocabMaxSize",
  "vocabMinCount",
  "validFile",
  "testFile",
  "initFrom",
  "initVocab",
  "dataGlob",
  "docSeparator",
  "split",
  "splitChunks",
  "task",
  "pooling",
  "classWeights",
];

const LEVELS: readonly string[] = ["char", "word", "bpe"];
const TASKS: readonly string[] = ["language-model", "classifier"];
const POOLINGS: readonly string[] = ["last", "mean"];
const CLASS_WEIGHTINGS: readonly string[] = ["none", "balanced"];

/**
 * The model config the settings describe, for a vocabulary of `vocabSize` tokens (and a
 * classifier's `labels`).
 */
export function modelConfig(
  settings: TrainSettings,
  vocabSize: number,
  labels?: readonly string[],
): ModelConfig {
  const config: ModelConfig = {
    cell: settings.cell,
    layers: settings.layers,
    hidden: settings.hidden,
    vocabSize,
    input: settings.input,
    dropout: settings.dropout,
    init: settings.init,
    forgetBias: settings.forgetBias,
  };
  if (settings.input === "embedding") config.embed = settings.embed;
  if (settings.inputDropout > 0) config.inputDropout = settings.inputDropout;
  if (settings.weightDrop > 0) config.weightDrop = settings.weightDrop;
  if (settings.dropoutMode !== "step") config.dropoutMode = settings.dropoutMode;
  if (settings.task === "classifier") {
    config.head = { kind: "classifier", labels: [...(labels ?? [])], pooling: settings.pooling ?? "last" };
  }
  return config;
}

/**
 * Checks every field of complete settings; throws `CharrnnRangeError` naming the first bad one, or
 * `CharrnnError` "OPTION_UNKNOWN" for a key that is not a setting (a typo in a config file).
 */
export function validateTrainSettings(settings: TrainSettings): TrainSettings {
  for (const key of Object.keys(settings)) {
    if (!TRAIN_SETTING_KEYS.includes(key)) {
      throw new CharrnnError(
        "OPTION_UNKNOWN",
        `unknown training option "${key}"; known: ${TRAIN_SETTING_KEYS.join(", ")}`,
      );
    }
  }
  // The model fields have one check, validateConfig's. The corpus sets the vocabulary size later (any
  // will do here); the head's fields are settings of the task (validateTask); inputDropout,
  // weightDrop and dropoutMode go in as given (modelConfig leaves out a default, and so would hide a
  // value of the wrong kind).
  const { head: _head, ...model } = modelConfig(settings, 1);
  const { inputDropout, weightDrop, dropoutMode } = settings;
  validateConfig({ ...model, inputDropout, weightDrop, dropoutMode });
  oneOf("level", LEVELS, settings.level);
  oneOf("layout", DATA_LAYOUTS, settings.layout);
  if (settings.vocabMaxSize !== undefined) count("vocabMaxSize", settings.vocabMaxSize, 2);
  if (settings.vocabMinCount !== undefined) count("vocabMinCount", settings.vocabMinCount, 1);
  if (settings.split !== undefined) oneOf("split", SPLIT_MODES, settings.split);
  if (settings.splitChunks !== undefined) {
    count("splitChunks", settings.splitChunks, 1);
    if (settings.split !== "chunks") {
      throw new CharrnnRangeError("splitChunks", 'unset unless split is "chunks"', settings.splitChunks);
    }
  }
  if (settings.docSeparator !== undefined && typeof settings.docSeparator !== "string") {
    throw new CharrnnRangeError("docSeparator", "a string", settings.docSeparator);
  }
  if (
    settings.dataGlob !== undefined &&
    !(typeof settings.dataGlob === "string" && settings.dataGlob.length > 0)
  ) {
    throw new CharrnnRangeError("dataGlob", "a glob pattern like *.txt", settings.dataGlob);
  }
  if (settings.initVocab !== undefined) oneOf("initVocab", INIT_VOCAB_MODES, settings.initVocab);
  if (settings.initVocab !== undefined && settings.initFrom === undefined) {
    throw new CharrnnRangeError(
      "initVocab",
      "unset without initFrom (it says how a fine-tune grows the vocabulary)",
      settings.initVocab,
    );
  }
  for (const key of ["validFile", "testFile", "initFrom"] as const) {
    const path = settings[key];
    if (path !== undefined && !(typeof path === "string" && path.length > 0)) {
      throw new CharrnnRangeError(key, "a file path", path);
    }
  }
  count("seq", settings.seq, 1);
  count("batch", settings.batch, 1);
  if (!(typeof settings.valFraction === "number" && settings.valFraction >= 0 && settings.valFraction < 1)) {
    throw new CharrnnRangeError("valFraction", "in [0, 1)", settings.valFraction);
  }
  positive("lr", settings.lr);
  if (!OPTIMIZER_KINDS.includes(settings.optimizer?.kind)) {
    throw new CharrnnRangeError(
      "optimizer",
      `one of ${OPTIMIZER_KINDS.join(", ")}`,
      settings.optimizer?.kind,
    );
  }
  resolveOptimizerConfig(settings.optimizer);
  nonNegative("clip", settings.clip);
  validateLrSchedule(settings.lrSchedule);
  count("warmupSteps", settings.warmupSteps, 0);
  count("epochs", settings.epochs, 1);
  count("maxSteps", settings.maxSteps, 0);
  nonNegative("timeBudget", settings.timeBudget);
  count("valEvery", settings.valEvery, 0);
  count("valSteps", settings.valSteps, 1);
  count("valBatch", settings.valBatch, 1);
  count("valMaxTokens", settings.valMaxTokens, 0);
  count("earlyStopping", settings.earlyStopping, 0);
  nonNegative("minDelta", settings.minDelta);
  const validates = settings.valFraction > 0 || settings.validFile !== undefined;
  if (!validates && (settings.earlyStopping > 0 || settings.lrSchedule.kind === "plateau")) {
    throw new CharrnnRangeError(
      settings.earlyStopping > 0 ? "earlyStopping" : "lrSchedule",
      "off when valFraction is 0 and there is no validFile (they watch the validation loss)",
      settings.earlyStopping > 0 ? settings.earlyStopping : "plateau",
    );
  }
  count("sampleEvery", settings.sampleEvery, 0);
  count("sampleLength", settings.sampleLength, 1);
  count("checkpointEvery", settings.checkpointEvery, 1);
  count("keepLast", settings.keepLast, 1);
  count("logEvery", settings.logEvery, 1);
  if (!Number.isSafeInteger(settings.seed)) throw new CharrnnRangeError("seed", "an integer", settings.seed);
  oneOf("onDiverge", DIVERGE_POLICIES, settings.onDiverge);
  count("maxRollbacks", settings.maxRollbacks, 0);
  validateTask(settings);
  return settings;
}

/** The task's own fields, and the fields a classifier cannot use. */
function validateTask(settings: TrainSettings): void {
  if (settings.task !== undefined) oneOf("task", TASKS, settings.task);
  if (settings.task !== "classifier") {
    for (const key of ["pooling", "classWeights"] as const) {
      if (settings[key] !== undefined) {
        throw new CharrnnRangeError(
          key,
          'unset: it is a classifier setting (task "classifier")',
          settings[key],
        );
      }
    }
    return;
  }
  if (settings.pooling !== undefined) oneOf("pooling", POOLINGS, settings.pooling);
  if (settings.classWeights !== undefined) oneOf("classWeights", CLASS_WEIGHTINGS, settings.classWeights);
  // A classifier reads characters through an embedding, validates on a stratified split of its own
  // data, and has no text to sample.
  const fixed: [keyof TrainSettings, unknown][] = [
    ["level", "char"],
    ["input", "embedding"],
    ["sampleEvery", 0],
  ];
  for (const [key, value] of fixed) {
    if (settings[key] !== value)
      throw new CharrnnRangeError(key, `${JSON.stringify(value)} for a classifier`, settings[key]);
  }
  for (const key of ["validFile", "testFile", "vocabMaxSize", "vocabMinCount"] as const) {
    if (settings[key] !== undefined)
      throw new CharrnnRangeError(key, "unset for a classifier", settings[key]);
  }
  if (!(settings.valFraction > 0)) {
    throw new CharrnnRangeError(
      "valFraction",
      "in (0, 1) for a classifier (it validates on it)",
      settings.valFraction,
    );
  }
}

function oneOf(option: string, allowed: readonly string[], value: unknown): void {
  if (!allowed.includes(value as string)) {
    throw new CharrnnRangeError(option, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, value);
  }
}

function count(option: string, value: unknown, min: number): void {
  if (!(typeof value === "number" && Number.isSafeInteger(value) && value >= min)) {
    throw new CharrnnRangeError(option, `an integer ≥ ${min}`, value);
  }
}

function positive(option: string, value: unknown): void {
  if (!(typeof value === "number" && value > 0 && Number.isFinite(value))) {
    throw new CharrnnRangeError(option, "a finite number > 0", value);
  }
}

function nonNegative(option: string, value: unknown): void {
  if (!(typeof value === "number" && value >= 0 && Number.isFinite(value))) {
    throw new CharrnnRangeError(option, "a finite number ≥ 0", value);
  }
}
