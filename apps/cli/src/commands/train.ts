import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { CharrnnError } from "@charrnn/core";
import { CELL_TYPES } from "@charrnn/models";
import type { Recipe, TorchEngineSettings } from "@charrnn/trainer";
import type { Command } from "commander";
import { engineFactory, TRAIN_ENGINES } from "../engines";
import type { CliIo } from "../io";
import { withFlagNames } from "../option-names";
import { parseChoiceFlag, parseIntFlag, parseNumberFlag, UsageError } from "../options";
import { createProgressRenderer, formatDuration } from "../progress";

export interface TrainFlags {
  data: string[];
  dataGlob?: string;
  docSeparator?: string;
  split?: string;
  out?: string;
  preset?: string;
  config?: string;
  cell?: string;
  layers?: string;
  hidden?: string;
  embed?: string;
  input?: string;
  dropout?: string;
  inputDropout?: string;
  seq?: string;
  batch?: string;
  epochs?: string;
  maxSteps?: string;
  timeBudget?: string;
  lr?: string;
  lrSchedule?: string;
  lrDecay?: string;
  lrDecayAfter?: string;
  lrPatience?: string;
  minLr?: string;
  warmupSteps?: string;
  patience?: string;
  minDelta?: string;
  optimizer?: string;
  clip?: string;
  valFraction?: string;
  valid?: string;
  test?: string;
  maxVocab?: string;
  minCount?: string;
  valEvery?: string;
  sampleEvery?: string;
  checkpointEvery?: string;
  keepLast?: string;
  onDiverge?: string;
  maxRollbacks?: string;
  layout?: string;
  level?: string;
  vocabSize?: string;
  seed?: string;
  engine: string;
  backend?: string;
  resume?: string;
  initFrom?: string;
  vocab?: string;
  python?: string;
  device?: string;
  nproc?: string;
  nnodes?: string;
  nodeRank?: string;
  masterAddr?: string;
  masterPort?: string;
}

export function registerTrainCommand(program: Command, io: CliIo): void {
  program
    .command("train")
    .description(
      "train a model on a text file; writes checkpoints, model.safetensors and metrics.jsonl to --out",
    )
    .option(
      "--data <path>",
      "training corpus (UTF-8 text): a file, a directory (recursively) or a glob; repeatable, files joined in sorted order",
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option("--data-glob <pattern>", "files a --data/--valid/--test directory contributes (default *.txt)")
    .option(
      "--doc-separator <text>",
      "text between the files of the corpus (default a newline; \\n and \\t escapes)",
    )
    .option(
      "--split <mode>",
      "where --val-fraction comes from: end (the corpus's end, default) or per-file (the end of each file)",
    )
    .option("--out <dir>", "output directory (default: the --resume directory)")
    .option(
      "--preset <name>",
      "start from a preset: quickstart, char-rnn, tf-tutorial, min-char-rnn, ptb-small, …",
    )
    .option("--config <file>", "JSON file of training options (overrides the preset; flags override it)")
    .option("--cell <cell>", "rnn, gru or lstm")
    .option("--layers <n>", "recurrent layers")
    .option("--hidden <n>", "hidden units per layer")
    .option("--embed <n>", "embedding width")
    .option("--input <mode>", "embedding or onehot")
    .option("--dropout <p>", "dropout between layers and before the output, in [0, 1)")
    .option("--input-dropout <p>", "dropout on the embedded inputs, in [0, 1) (embedding input only)")
    .option("--seq <n>", "time steps per window (truncated BPTT length)")
    .option("--batch <n>", "parallel streams per step")
    .option("--epochs <n>", "passes over the training split")
    .option("--max-steps <n>", "stop after this many steps (0 = no limit)")
    .option(
      "--time-budget <sec>",
      "stop after this many seconds (0 = no limit); without --preset/--config it also picks the model, batch, window, dropout and a warm-up + cosine schedule ending at the deadline (the README's recipe table)",
    )
    .option("--lr <rate>", "learning rate")
    .option(
      "--lr-schedule <kind>",
      "constant; decay (× --lr-decay per epoch after --lr-decay-after); plateau (× --lr-decay after --lr-patience validations without a new best, down to --min-lr); cosine (down to --min-lr exactly where the run ends: --max-steps, --time-budget or --epochs)",
    )
    .option("--lr-decay <factor>", "decay/plateau: learning-rate factor")
    .option("--lr-decay-after <n>", "decay: epochs at the full rate before decaying")
    .option("--lr-patience <n>", "plateau: validations without a new best before a cut")
    .option("--min-lr <rate>", "plateau/cosine: lowest learning rate (default 0)")
    .option("--warmup-steps <n>", "linear learning-rate warm-up over the first n steps (any schedule)")
    .option("--patience <n>", "stop after n validations in a row without improving by --min-delta (0 = off)")
    .option("--min-delta <nats>", "improvement a validation needs to reset --patience (default 0)")
    .option("--optimizer <name>", "adam, sgd, rmsprop or adagrad")
    .option("--clip <norm>", "global gradient-norm clip (0 = off)")
    .option("--val-fraction <f>", "last fraction of the corpus held out for validation")
    .option(
      "--valid <path>",
      "validation file, directory or glob (pre-split corpora like PTB); the whole --data trains",
    )
    .option("--test <file>", "test file, scored with the final weights when training ends")
    .option("--val-every <n>", "validate every n steps and at each epoch's end (0 = only at epoch ends)")
    .option("--sample-every <n>", "print a short sample every n steps (0 = never)")
    .option("--checkpoint-every <n>", "write a checkpoint every n steps (also at the end and on Ctrl-C)")
    .option("--keep-last <n>", "periodic checkpoints kept (besides the best one)")
    .option(
      "--on-diverge <action>",
      "on a NaN/Inf loss or weight: stop (default), or rollback to the last checkpoint and halve the learning rate",
    )
    .option(
      "--max-rollbacks <n>",
      "with --on-diverge rollback: rollbacks allowed before stopping (default 3)",
    )
    .option("--layout <layout>", "stream (truncated BPTT, state carried) or shuffle (shuffled windows)")
    .option("--level <level>", "char, word or bpe (byte-level byte-pair) tokens")
    .option("--vocab-size <n>", "bpe level: tokens to learn, 256 bytes + merges (default 512)")
    .option(
      "--max-vocab <n>",
      "word level: keep the n most frequent tokens (with <unk>, <eos>); the rest → <unk>",
    )
    .option("--min-count <n>", "word level: words seen fewer than n times in --data become <unk>")
    .option("--seed <n>", "random seed (weights, data order, dropout, samples)")
    .option("--engine <name>", `training engine: ${TRAIN_ENGINES.join(", ")}`, "auto")
    .option("--backend <name>", "TF.js backend: auto, tensorflow (tfjs-node), wasm or cpu")
    .option("--resume <dir>", "continue the run in this directory from its newest valid checkpoint")
    .option(
      "--init-from <path>",
      "fine-tune: start a new run from this model file or run directory (its architecture and weights, fresh optimizer)",
    )
    .option(
      "--vocab <mode>",
      "with --init-from: extend (default) grows the vocabulary by the new text's tokens; keep maps them by the OOV policy",
    )
    .option(
      "--python <path>",
      "torch engine: Python interpreter with PyTorch (default: $CHARRNN_PYTHON, python3, /usr/bin/python3)",
    )
    .option("--device <device>", "torch engine: cpu, cuda or mps (default: cuda when PyTorch sees a GPU)")
    .option("--nproc <n>", "torch engine: worker processes on this machine (default: 1, or one per GPU)")
    .option("--nnodes <n>", "torch engine: machines in the job (default 1)")
    .option("--node-rank <i>", "torch engine: this machine's index, 0 … nnodes−1 (node 0 writes the run)")
    .option("--master-addr <host>", "torch engine: address of node 0 (default 127.0.0.1)")
    .option("--master-port <port>", "torch engine: rendezvous port on node 0 (needed with --nnodes > 1)")
    .action((flags: TrainFlags) => withFlagNames(() => trainCommand(flags, io)));
}

async function trainCommand(flags: TrainFlags, io: CliIo): Promise<void> {
  const engine = parseChoiceFlag("--engine", flags.engine, TRAIN_ENGINES);
  const torch = torchSettings(flags, engine);
  const trainer = await import("@charrnn/trainer");
  if (torch.nodeRank !== undefined && torch.nodeRank > 0) {
    // Another machine of a multi-machine job: its workers follow rank 0; node 0 writes the run.
    const { worldSize } = await trainer.runTorchFollowers({
      ...torch,
      log: (m) => io.stderr.write(`${m}\n`),
    });
    io.stdout.write(`node ${torch.nodeRank}: training finished (${worldSize} processes in the job)\n`);
    return;
  }
  if (flags.data.length === 0) throw new UsageError("--data is required: a text file, a directory or a glob");
  const outDir = flags.out ?? flags.resume;
  if (outDir === undefined) throw new UsageError("--out is required (or --resume DIR to continue a run)");
  if (flags.initFrom !== undefined && flags.resume !== undefined) {
    throw new UsageError("--init-from starts a new run and --resume continues one; give one of them");
  }
  if (flags.vocab !== undefined && flags.initFrom === undefined) {
    throw new UsageError(
      "--vocab extend|keep goes with --init-from (it says how a fine-tune grows the vocabulary)",
    );
  }
  if (flags.backend !== undefined) parseChoiceFlag("--backend", flags.backend, trainer.BACKEND_NAMES);
  const configFile = flags.config === undefined ? undefined : await readConfigFile(flags.config);
  const overrides = flagSettings(flags);
  const recipe = await budgetRecipe(flags, overrides, trainer.recipeFor);
  if (recipe !== undefined) {
    io.stderr.write(
      `recipe ${recipe.name} for a ${overrides.timeBudget} s budget (${recipe.status}; flags override it)\n`,
    );
  }
  // Validate the merged settings now so a bad flag fails before any data is read.
  const settings = trainer.mergeTrainOptions(recipe?.settings ?? flags.preset, configFile, overrides);
  const world = (torch.nproc ?? 1) * (torch.nnodes ?? 1);
  if (flags.resume === undefined && settings.batch % world !== 0) {
    throw new UsageError(
      `--batch ${settings.batch} does not split over ${world} torch processes (--nproc × --nnodes); use a batch divisible by ${world}`,
    );
  }
  const render = createProgressRenderer(io);
  // The run's own level: a resumed run takes it from its checkpoint, not from these flags.
  let level = settings.level;
  const result = await trainer.train({
    ...(flags.resume !== undefined
      ? { ...configFile, ...overrides }
      : flags.initFrom !== undefined
        ? {
            ...trainingPart(trainer.mergeTrainOptions(flags.preset), trainer.INIT_FIXED_SETTINGS),
            ...configFile,
            ...overrides,
          }
        : settings),
    corpus: flags.data.length === 1 ? flags.data[0]! : flags.data.map((p) => resolve(p)),
    outDir,
    ...(flags.resume !== undefined && { resume: flags.resume }),
    createEngine: engineFactory(engine, flags.backend, (message) => io.stderr.write(`${message}\n`), torch),
    ...(io.signal !== undefined && { signal: io.signal }),
    onEvent: (event) => {
      if (event.type === "start") level = event.settings.level;
      render(event);
    },
  });
  const unit = level === "word" ? "word" : level === "bpe" ? "token" : "char";
  const best =
    result.bestValLoss === null
      ? "none"
      : `${result.bestValLoss.toFixed(4)} nats/${unit} at step ${result.bestStep}`;
  const test =
    result.testLoss === null
      ? ""
      : `test loss ${result.testLoss.toFixed(4)} nats/${unit}, perplexity ${Math.exp(result.testLoss).toFixed(3)}\n`;
  // Each rollback halved the learning rate (the scale is 0.5 to the power of the count).
  const rollbacks =
    result.rollbacks === 0
      ? ""
      : `; ${result.rollbacks} divergence rollback${result.rollbacks === 1 ? "" : "s"} (learning rate × ${0.5 ** result.rollbacks})`;
  io.stdout.write(
    `trained ${result.step} steps in ${formatDuration(result.elapsed)} (${result.stopReason}); best val loss ${best}${rollbacks}\n` +
      test +
      `model: ${result.modelPath ?? "(none written)"}\n`,
  );
  if (result.stopReason === "diverged") throw divergedError(result, outDir);
}

/**
 * The time-budget recipe a new run starts from: only with --time-budget > 0 and neither --preset nor
 * --config (those, and --resume/--init-from, keep their own settings). The corpus size is the bytes
 * of the --data files, measured without reading them.
 */
async function budgetRecipe(
  flags: TrainFlags,
  overrides: Record<string, unknown>,
  recipeFor: (timeBudget: number, corpusChars: number) => Recipe,
): Promise<Recipe | undefined> {
  const budget = overrides.timeBudget;
  if (typeof budget !== "number" || budget <= 0) return undefined;
  if (flags.preset !== undefined || flags.config !== undefined) return undefined;
  if (flags.resume !== undefined || flags.initFrom !== undefined) return undefined;
  const { resolveCorpusFiles } = await import("@charrnn/data");
  const files = await resolveCorpusFiles(flags.data, {
    name: "--data",
    ...(flags.dataGlob !== undefined && { glob: flags.dataGlob }),
  });
  let chars = 0;
  for (const file of files) chars += (await stat(file)).size;
  return recipeFor(budget, chars);
}

/** The torch engine's flags; with another engine they are a usage error. */
function torchSettings(flags: TrainFlags, engine: string): TorchEngineSettings {
  const given = (
    ["python", "device", "nproc", "nnodes", "nodeRank", "masterAddr", "masterPort"] as const
  ).filter((key) => flags[key] !== undefined);
  if (engine !== "torch") {
    if (given.length > 0) {
      const flag = `--${given[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new UsageError(`${flag} applies to --engine torch; add --engine torch or drop ${flag}`);
    }
    return {};
  }
  const out: TorchEngineSettings = {};
  if (flags.python !== undefined) out.python = flags.python;
  if (flags.device !== undefined)
    out.device = parseChoiceFlag("--device", flags.device, ["cpu", "cuda", "mps"]);
  if (flags.nproc !== undefined) out.nproc = parseIntFlag("--nproc", flags.nproc, { min: 1 });
  if (flags.nnodes !== undefined) out.nnodes = parseIntFlag("--nnodes", flags.nnodes, { min: 1 });
  if (flags.nodeRank !== undefined) {
    out.nodeRank = parseIntFlag("--node-rank", flags.nodeRank, { min: 0, max: (out.nnodes ?? 1) - 1 });
  }
  if (flags.masterAddr !== undefined) out.masterAddr = flags.masterAddr;
  if (flags.masterPort !== undefined)
    out.masterPort = parseIntFlag("--master-port", flags.masterPort, { min: 1, max: 65535 });
  if ((out.nnodes ?? 1) > 1 && out.masterPort === undefined) {
    throw new UsageError(
      "--nnodes > 1 needs --master-port PORT (and --master-addr HOST of node 0), the same on every node",
    );
  }
  return out;
}

/** The error a run that stopped as diverged ends with (exit 1), naming what to keep and do. */
export function divergedError(result: { step: number; checkpoint?: string }, outDir: string): CharrnnError {
  return new CharrnnError(
    "TRAIN_DIVERGED",
    result.checkpoint === undefined
      ? `training diverged (non-finite loss, gradients or weights, or a runaway loss) at step ${result.step} before any checkpoint; lower --lr or set --clip and start again`
      : `training diverged (non-finite loss, gradients or weights, or a runaway loss) at step ${result.step}; the last good checkpoint ${result.checkpoint} is kept — lower --lr or set --clip and --resume ${outDir}`,
  );
}

/** The training settings the flags set (those given only), range-checked, keyed as `TrainSettings`. */
export function flagSettings(flags: Partial<Omit<TrainFlags, "data">>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const int = (key: string, flag: string, raw: string | undefined, min = 1) => {
    if (raw !== undefined) out[key] = parseIntFlag(flag, raw, { min });
  };
  const num = (key: string, flag: string, raw: string | undefined) => {
    if (raw !== undefined) out[key] = parseNumberFlag(flag, raw);
  };
  if (flags.cell !== undefined) out.cell = parseChoiceFlag("--cell", flags.cell, CELL_TYPES);
  if (flags.input !== undefined) out.input = parseChoiceFlag("--input", flags.input, ["embedding", "onehot"]);
  if (flags.layout !== undefined)
    out.layout = parseChoiceFlag("--layout", flags.layout, ["stream", "shuffle"]);
  if (flags.level !== undefined) out.level = parseChoiceFlag("--level", flags.level, ["char", "word", "bpe"]);
  if (flags.vocabSize !== undefined && out.level !== "bpe") {
    throw new UsageError(
      "--vocab-size sets a bpe vocabulary: add --level bpe (word vocabularies take --max-vocab)",
    );
  }
  if (flags.onDiverge !== undefined) {
    out.onDiverge = parseChoiceFlag("--on-diverge", flags.onDiverge, ["stop", "rollback"]);
  }
  if (flags.optimizer !== undefined) {
    out.optimizer = parseChoiceFlag("--optimizer", flags.optimizer, ["adam", "sgd", "rmsprop", "adagrad"]);
  }
  int("layers", "--layers", flags.layers);
  int("hidden", "--hidden", flags.hidden);
  int("embed", "--embed", flags.embed);
  int("seq", "--seq", flags.seq);
  int("batch", "--batch", flags.batch);
  int("epochs", "--epochs", flags.epochs);
  int("maxSteps", "--max-steps", flags.maxSteps, 0);
  int("valEvery", "--val-every", flags.valEvery, 0);
  int("sampleEvery", "--sample-every", flags.sampleEvery, 0);
  int("checkpointEvery", "--checkpoint-every", flags.checkpointEvery);
  int("keepLast", "--keep-last", flags.keepLast);
  int("maxRollbacks", "--max-rollbacks", flags.maxRollbacks, 0);
  int("seed", "--seed", flags.seed, 0);
  int("vocabMaxSize", "--max-vocab", flags.maxVocab, 2);
  int("vocabMinCount", "--min-count", flags.minCount);
  int("vocabMaxSize", "--vocab-size", flags.vocabSize, 256);
  int("warmupSteps", "--warmup-steps", flags.warmupSteps, 0);
  int("earlyStopping", "--patience", flags.patience, 0);
  num("minDelta", "--min-delta", flags.minDelta);
  num("inputDropout", "--input-dropout", flags.inputDropout);
  const schedule = scheduleFlags(flags);
  if (schedule !== undefined) out.lrSchedule = schedule;
  if (flags.dataGlob !== undefined) out.dataGlob = flags.dataGlob;
  if (flags.docSeparator !== undefined) out.docSeparator = unescapeSeparator(flags.docSeparator);
  if (flags.split !== undefined) out.split = parseChoiceFlag("--split", flags.split, ["end", "per-file"]);
  if (flags.initFrom !== undefined) out.initFrom = resolve(flags.initFrom);
  if (flags.vocab !== undefined) out.initVocab = parseChoiceFlag("--vocab", flags.vocab, ["extend", "keep"]);
  // Absolute, so a resume from another directory names the same files.
  if (flags.valid !== undefined) out.validFile = resolve(flags.valid);
  if (flags.test !== undefined) out.testFile = resolve(flags.test);
  num("timeBudget", "--time-budget", flags.timeBudget);
  num("dropout", "--dropout", flags.dropout);
  num("lr", "--lr", flags.lr);
  num("clip", "--clip", flags.clip);
  num("valFraction", "--val-fraction", flags.valFraction);
  return out;
}

/**
 * The `lrSchedule` the schedule flags describe: a kind with parameters, or parameters alone, which
 * tune the schedule of the preset or config file (a parameter that kind does not read is refused).
 */
function scheduleFlags(flags: Partial<TrainFlags>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (flags.lrSchedule !== undefined) {
    out.kind = parseChoiceFlag("--lr-schedule", flags.lrSchedule, ["constant", "decay", "plateau", "cosine"]);
  }
  if (flags.lrDecay !== undefined) out.factor = parseNumberFlag("--lr-decay", flags.lrDecay);
  if (flags.lrDecayAfter !== undefined)
    out.after = parseIntFlag("--lr-decay-after", flags.lrDecayAfter, { min: 0 });
  if (flags.lrPatience !== undefined)
    out.patience = parseIntFlag("--lr-patience", flags.lrPatience, { min: 0 });
  if (flags.minLr !== undefined) out.minLr = parseNumberFlag("--min-lr", flags.minLr, { min: 0 });
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `--doc-separator` as typed in a shell: `\n`, `\t` and `\\` stand for a newline, a tab and a backslash. */
function unescapeSeparator(raw: string): string {
  return raw.replace(/\\([nt\\])/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : "\\"));
}

/**
 * A preset's (or the defaults') settings without those a fine-tune takes from its model: the
 * architecture, and the init scheme its new rows are drawn with.
 */
function trainingPart(settings: object, fixed: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...settings };
  for (const key of [...fixed, "init", "forgetBias"]) delete out[key];
  return out;
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new CharrnnError("CONFIG_UNREADABLE", `cannot read --config ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error("not an object");
    return json as Record<string, unknown>;
  } catch (cause) {
    throw new CharrnnError(
      "CONFIG_INVALID",
      `--config ${path} must be a JSON object of training options (e.g. {"hidden": 256})`,
      { cause },
    );
  }
}
