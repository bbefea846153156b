import { resolve } from "node:path";
import { CELL_TYPES, DROPOUT_MODES } from "@charrnn/models";
import {
  DATA_LAYOUTS,
  DIVERGE_POLICIES,
  INIT_VOCAB_MODES,
  LR_SCHEDULE_KINDS,
  OPTIMIZER_KINDS,
  SPLIT_MODES,
  TORCH_PRECISIONS,
} from "@charrnn/trainer/names";
import { TRAIN_ENGINES } from "../engines";
import {
  choice,
  type FlagValues,
  int,
  num,
  type OptionTable,
  optionTable,
  orList,
  type ParseFlag,
  settingsOf,
} from "../option-table";
import { UsageError } from "../options";

/** An absolute path, so a resumed run started from another directory names the same files. */
const absolute: ParseFlag = (_, raw) => resolve(raw);

/** `--doc-separator` as typed in a shell: `\n`, `\t` and `\\` stand for a newline, a tab and a backslash. */
const unescapeSeparator: ParseFlag = (_, raw) =>
  raw.replace(/\\([nt\\])/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : "\\"));

/**
 * Every flag of `charrnn train`, in the order of its help. `key` is the `TrainSettings` key the flag
 * sets, the name it has in `--config` files, presets and a run's `config.json`. Where the two names
 * differ: `--max-vocab` and `--vocab-size` → `vocabMaxSize`, `--min-count` → `vocabMinCount`,
 * `--patience` → `earlyStopping`, `--valid`/`--test` → `validFile`/`testFile`, `--vocab` →
 * `initVocab`, the schedule flags → fields of `lrSchedule`, and `--optimizer`/`--weight-decay` →
 * `optimizer.kind`/`optimizer.weightDecay`. (`--seq` and `--clip` keep their
 * names as keys; the engines call them the window's `steps` and `clipNorm`.) The torch engine's
 * flags are in `TORCH_OPTIONS`.
 */
export const TRAIN_OPTIONS = optionTable({
  data: {
    flag: "--data",
    value: "<path>",
    help: "training corpus (UTF-8 text): a file, a directory (recursively) or a glob; repeatable, files joined in sorted order",
    repeatable: true,
  },
  dataGlob: {
    flag: "--data-glob",
    value: "<pattern>",
    help: "files a --data/--valid/--test directory contributes (default *.txt)",
    key: "dataGlob",
  },
  docSeparator: {
    flag: "--doc-separator",
    value: "<text>",
    help: "text between the files of the corpus (default a newline; \\n and \\t escapes)",
    key: "docSeparator",
    parse: unescapeSeparator,
  },
  split: {
    flag: "--split",
    value: "<mode>",
    help: "where --val-fraction comes from: end (the corpus's end, default), per-file (the end of each file) or chunks (the end of each of --split-chunks equal pieces: char-rnn's split)",
    key: "split",
    parse: choice(SPLIT_MODES),
  },
  splitChunks: {
    flag: "--split-chunks",
    value: "<n>",
    help: "with --split chunks: equal pieces of the corpus (default 50, char-rnn's)",
    key: "splitChunks",
    // splitCorpusChunks names its count `chunks`.
    aliases: ["chunks"],
    parse: int(1),
  },
  out: { flag: "--out", value: "<dir>", help: "output directory (default: the --resume directory)" },
  preset: {
    flag: "--preset",
    value: "<name>",
    help: "start from a preset: quickstart, char-rnn, tf-tutorial, min-char-rnn, ptb-small, …",
    aliases: ["preset"],
  },
  config: {
    flag: "--config",
    value: "<file>",
    help: "JSON file of training options (overrides the preset; flags override it)",
  },
  cell: { flag: "--cell", value: "<cell>", help: orList(CELL_TYPES), key: "cell", parse: choice(CELL_TYPES) },
  layers: { flag: "--layers", value: "<n>", help: "recurrent layers", key: "layers", parse: int(1) },
  hidden: { flag: "--hidden", value: "<n>", help: "hidden units per layer", key: "hidden", parse: int(1) },
  embed: { flag: "--embed", value: "<n>", help: "embedding width", key: "embed", parse: int(1) },
  input: {
    flag: "--input",
    value: "<mode>",
    help: "embedding or onehot",
    key: "input",
    parse: choice(["embedding", "onehot"]),
  },
  dropout: {
    flag: "--dropout",
    value: "<p>",
    help: "dropout between layers and before the output, in [0, 1)",
    key: "dropout",
    parse: num(),
  },
  inputDropout: {
    flag: "--input-dropout",
    value: "<p>",
    help: "dropout on the embedded inputs, in [0, 1) (embedding input only)",
    key: "inputDropout",
    parse: num(),
  },
  weightDrop: {
    flag: "--weight-drop",
    value: "<p>",
    help: "DropConnect on each layer's recurrent weights (AWD-LSTM's weight drop), in [0, 1)",
    key: "weightDrop",
    parse: num(),
  },
  dropoutMode: {
    flag: "--dropout-mode",
    value: "<mode>",
    help: "step (a fresh dropout mask at every time step) or locked (one mask per stream for the whole window: variational dropout)",
    key: "dropoutMode",
    parse: choice(DROPOUT_MODES),
  },
  seq: {
    flag: "--seq",
    value: "<n>",
    help: "time steps per window (truncated BPTT length)",
    key: "seq",
    parse: int(1),
  },
  batch: { flag: "--batch", value: "<n>", help: "parallel streams per step", key: "batch", parse: int(1) },
  epochs: {
    flag: "--epochs",
    value: "<n>",
    help: "passes over the training split",
    key: "epochs",
    parse: int(1),
  },
  maxSteps: {
    flag: "--max-steps",
    value: "<n>",
    help: "stop after this many steps (0 = no limit)",
    key: "maxSteps",
    parse: int(0),
  },
  timeBudget: {
    flag: "--time-budget",
    value: "<sec>",
    help: "stop after this many seconds (0 = no limit); without --preset/--config it also picks the model, batch, window, dropout and a warm-up + cosine or linear schedule ending at the deadline: the README's recipe table's row for what the budget buys at this machine's speed, which a few-second probe measures first",
    key: "timeBudget",
    parse: num(),
  },
  machineSpeed: {
    flag: "--machine-speed",
    value: "<x>",
    help: "with a --time-budget recipe: this machine's training speed over the recipe table's machine (0.5 = half as fast), in place of the few-second probe that measures it",
  },
  lr: { flag: "--lr", value: "<rate>", help: "learning rate", key: "lr", parse: num() },
  lrSchedule: {
    flag: "--lr-schedule",
    value: "<kind>",
    help: "constant; decay (× --lr-decay per epoch after --lr-decay-after); plateau (× --lr-decay after --lr-patience validations without a new best, down to --min-lr); cosine (down to --min-lr exactly where the run ends: --max-steps, --time-budget or --epochs); linear (the same ends in a straight line)",
    key: "lrSchedule.kind",
    // A plateau schedule without validation is refused under the schedule's own name.
    aliases: ["lrSchedule"],
    parse: choice(LR_SCHEDULE_KINDS),
  },
  lrDecay: {
    flag: "--lr-decay",
    value: "<factor>",
    help: "decay/plateau: learning-rate factor",
    key: "lrSchedule.factor",
    parse: num(),
  },
  lrDecayAfter: {
    flag: "--lr-decay-after",
    value: "<n>",
    help: "decay: epochs at the full rate before decaying",
    key: "lrSchedule.after",
    parse: int(0),
  },
  lrPatience: {
    flag: "--lr-patience",
    value: "<n>",
    help: "plateau: validations without a new best before a cut",
    key: "lrSchedule.patience",
    parse: int(0),
  },
  minLr: {
    flag: "--min-lr",
    value: "<rate>",
    help: "plateau/cosine/linear: lowest learning rate (default 0)",
    key: "lrSchedule.minLr",
    parse: num(0),
  },
  warmupSteps: {
    flag: "--warmup-steps",
    value: "<n>",
    help: "linear learning-rate warm-up over the first n steps (any schedule)",
    key: "warmupSteps",
    parse: int(0),
  },
  patience: {
    flag: "--patience",
    value: "<n>",
    help: "stop after n validations in a row without improving by --min-delta (0 = off)",
    key: "earlyStopping",
    parse: int(0),
  },
  minDelta: {
    flag: "--min-delta",
    value: "<nats>",
    help: "improvement a validation needs to reset --patience (default 0)",
    key: "minDelta",
    parse: num(),
  },
  optimizer: {
    flag: "--optimizer",
    value: "<name>",
    help: orList(OPTIMIZER_KINDS),
    key: "optimizer.kind",
    aliases: ["optimizer"],
    parse: choice(OPTIMIZER_KINDS),
  },
  weightDecay: {
    flag: "--weight-decay",
    value: "<w>",
    help: "weight decay: decoupled (AdamW) with adam, L2 with sgd (default 0)",
    key: "optimizer.weightDecay",
    // The optimizer's own checks name the field under its kind.
    aliases: ["adam.weightDecay", "sgd.weightDecay", "rmsprop.weightDecay", "adagrad.weightDecay"],
    parse: num(0),
  },
  clip: {
    flag: "--clip",
    value: "<norm>",
    help: "global gradient-norm clip (0 = off)",
    key: "clip",
    parse: num(),
  },
  valFraction: {
    flag: "--val-fraction",
    value: "<f>",
    help: "last fraction of the corpus held out for validation",
    key: "valFraction",
    parse: num(),
  },
  valid: {
    flag: "--valid",
    value: "<path>",
    help: "validation file, directory or glob (pre-split corpora like PTB); the whole --data trains",
    key: "validFile",
    parse: absolute,
  },
  test: {
    flag: "--test",
    value: "<file>",
    help: "test file, scored with the final weights when training ends",
    key: "testFile",
    parse: absolute,
  },
  valEvery: {
    flag: "--val-every",
    value: "<n>",
    help: "validate every n steps, at each epoch's end unless --time-budget is set, and when the run stops (0 = only at epoch ends)",
    key: "valEvery",
    parse: int(0),
  },
  valBatch: {
    flag: "--val-batch",
    value: "<n>",
    help: "streams validation is scored in, each from a zero state (default 16, as charrnn eval: both report the same loss)",
    key: "valBatch",
    parse: int(1),
  },
  valMaxTokens: {
    flag: "--val-max-tokens",
    value: "<n>",
    help: "score at most n tokens at each validation, spread over the split (0 = all; charrnn eval scores all)",
    key: "valMaxTokens",
    parse: int(0),
  },
  sampleEvery: {
    flag: "--sample-every",
    value: "<n>",
    help: "print a short sample every n steps (0 = never)",
    key: "sampleEvery",
    parse: int(0),
  },
  checkpointEvery: {
    flag: "--checkpoint-every",
    value: "<n>",
    help: "write a checkpoint every n steps (also at the end and on Ctrl-C)",
    key: "checkpointEvery",
    parse: int(1),
  },
  keepLast: {
    flag: "--keep-last",
    value: "<n>",
    help: "periodic checkpoints kept (besides the best one)",
    key: "keepLast",
    parse: int(1),
  },
  onDiverge: {
    flag: "--on-diverge",
    value: "<action>",
    help: "on a NaN/Inf loss or weight: stop (default), or rollback to the last checkpoint and halve the learning rate",
    key: "onDiverge",
    parse: choice(DIVERGE_POLICIES),
  },
  maxRollbacks: {
    flag: "--max-rollbacks",
    value: "<n>",
    help: "with --on-diverge rollback: rollbacks allowed before stopping (default 3)",
    key: "maxRollbacks",
    parse: int(0),
  },
  layout: {
    flag: "--layout",
    value: "<layout>",
    help: "stream (truncated BPTT, state carried), shifted (stream, its cuts moved each epoch) or shuffle (shuffled windows)",
    key: "layout",
    parse: choice(DATA_LAYOUTS),
  },
  level: {
    flag: "--level",
    value: "<level>",
    help: "char, word or bpe (byte-level byte-pair) tokens",
    key: "level",
    parse: choice(["char", "word", "bpe"]),
  },
  vocabSize: {
    flag: "--vocab-size",
    value: "<n>",
    help: "bpe level: tokens to learn, 256 bytes + merges (default 512)",
    key: "vocabMaxSize",
    aliases: ["maxSize"],
    parse: int(256),
  },
  maxVocab: {
    flag: "--max-vocab",
    value: "<n>",
    help: "word level: keep the n most frequent tokens (with <unk>, <eos>); the rest → <unk>",
    key: "vocabMaxSize",
    aliases: ["maxSize"],
    parse: int(2),
  },
  minCount: {
    flag: "--min-count",
    value: "<n>",
    help: "word level: words seen fewer than n times in --data become <unk>",
    key: "vocabMinCount",
    aliases: ["minCount"],
    parse: int(1),
  },
  seed: {
    flag: "--seed",
    value: "<n>",
    help: "random seed (weights, data order, dropout, samples)",
    key: "seed",
    parse: int(0),
  },
  engine: {
    flag: "--engine",
    value: "<name>",
    help: `training engine: ${TRAIN_ENGINES.join(", ")}`,
    default: "auto",
  },
  backend: {
    flag: "--backend",
    value: "<name>",
    help: "TF.js backend: auto, tensorflow (tfjs-node), wasm or cpu",
    aliases: ["backend"],
  },
  resume: {
    flag: "--resume",
    value: "<dir>",
    help: "continue the run in this directory from its newest valid checkpoint",
  },
  initFrom: {
    flag: "--init-from",
    value: "<path>",
    help: "fine-tune: start a new run from this model file or run directory (its architecture and weights, fresh optimizer)",
    key: "initFrom",
    parse: absolute,
  },
  vocab: {
    flag: "--vocab",
    value: "<mode>",
    help: "with --init-from: extend (default) grows the vocabulary by the new text's tokens; keep maps them by the OOV policy",
    key: "initVocab",
    parse: choice(INIT_VOCAB_MODES),
  },
});

/** The torch engine's flags; `key` is the `TorchEngineSettings` key each sets. */
export const TORCH_OPTIONS = optionTable({
  python: {
    flag: "--python",
    value: "<path>",
    help: "torch engine: Python interpreter with PyTorch (default: $CHARRNN_PYTHON, python3, /usr/bin/python3)",
    key: "python",
  },
  device: {
    flag: "--device",
    value: "<device>",
    help: "torch engine: cpu, cuda or mps (default: cuda when PyTorch sees a GPU)",
    key: "device",
    parse: choice(["cpu", "cuda", "mps"]),
  },
  precision: {
    flag: "--precision",
    value: "<p>",
    help: "torch engine: fp32 (default) or bf16, mixed precision: float32 weights, bfloat16 matmuls (CPUs with AMX, GPUs)",
    key: "precision",
    parse: choice(TORCH_PRECISIONS),
  },
  nproc: {
    flag: "--nproc",
    value: "<n>",
    help: "torch engine: worker processes on this machine (default: 1, or one per GPU)",
    key: "nproc",
    parse: int(1),
  },
  nnodes: {
    flag: "--nnodes",
    value: "<n>",
    help: "torch engine: machines in the job (default 1)",
    key: "nnodes",
    parse: int(1),
  },
  nodeRank: {
    flag: "--node-rank",
    value: "<i>",
    help: "torch engine: this machine's index, 0 … nnodes−1 (node 0 writes the run)",
    key: "nodeRank",
    // Below --nnodes too, which train.ts checks once both are known.
    parse: int(0),
  },
  masterAddr: {
    flag: "--master-addr",
    value: "<host>",
    help: "torch engine: address of node 0 (default 127.0.0.1)",
    key: "masterAddr",
  },
  masterPort: {
    flag: "--master-port",
    value: "<port>",
    help: "torch engine: rendezvous port on node 0 (needed with --nnodes > 1)",
    key: "masterPort",
    parse: int(1, 65535),
  },
});

/** Every flag of `charrnn train`: the training flags, then the torch engine's. */
export const TRAIN_COMMAND_OPTIONS = { ...TRAIN_OPTIONS, ...TORCH_OPTIONS };

/**
 * The settings the given flags of `table` set, range-checked, keyed as the table keys them
 * (`TrainSettings` for train's), with the checks that span the two vocabulary-size flags.
 */
export function flagSettings(flags: Readonly<Record<string, unknown>>, table: OptionTable = TRAIN_OPTIONS) {
  if (flags.vocabSize !== undefined && flags.maxVocab !== undefined) {
    throw new UsageError(
      "--vocab-size (bpe) and --max-vocab (word) both set the vocabulary size; give the one of your --level",
    );
  }
  const out = settingsOf(table, flags);
  if (flags.vocabSize !== undefined && out.level !== "bpe") {
    throw new UsageError(
      "--vocab-size sets a bpe vocabulary: add --level bpe (word vocabularies take --max-vocab)",
    );
  }
  return out;
}

/** The flags `charrnn train` parses, as typed. */
export type TrainFlags = FlagValues<typeof TRAIN_COMMAND_OPTIONS>;
