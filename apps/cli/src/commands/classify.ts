import { join } from "node:path";
import { CharrnnError } from "@charrnn/core";
import { writeFileAtomic } from "@charrnn/core/node";
import type { Command } from "commander";
import { engineFactory, parseTrainEngine } from "../engines";
import type { CliIo } from "../io";
import { withFlagNames } from "../option-names";
import { addOptions, choice, type FlagValues, flagNamesOf, optionTable } from "../option-table";
import { parseIntFlag, UsageError } from "../options";
import { formatDuration } from "../progress";
import { confusionSvg, formatClassificationReport } from "./classify-report";
import { divergedError } from "./train";
import { flagSettings, TRAIN_OPTIONS } from "./train-options";

/**
 * The flags of `classify train`: `train`'s own entries (same flag, setting and parsing) with help
 * giving the classifier's defaults, and the classifier's.
 */
const T = TRAIN_OPTIONS;
export const CLASSIFY_TRAIN_OPTIONS = optionTable({
  data: {
    flag: "--data",
    value: "<path>",
    help: "a directory of label.txt files (one example per line), or a .csv/.tsv of text,label",
    required: true,
  },
  out: T.out,
  cell: { ...T.cell, help: `${T.cell.help} (default gru)` },
  layers: { ...T.layers, help: "recurrent layers (default 1)" },
  hidden: { ...T.hidden, help: "hidden units per layer (default 128)" },
  embed: { ...T.embed, help: "embedding width (default 32)" },
  dropout: { ...T.dropout, help: "dropout between layers and before pooling, in [0, 1)" },
  epochs: { ...T.epochs, help: "passes over the training split (default 10)" },
  maxSteps: T.maxSteps,
  batch: { ...T.batch, help: "examples per step (default 64)" },
  lr: { ...T.lr, help: "Adam learning rate (default 0.005)" },
  clip: { ...T.clip, help: "global gradient-norm clip (default 5; 0 = off)" },
  seed: { ...T.seed, help: "random seed (split, weights, order)" },
  timeBudget: { ...T.timeBudget, help: "stop after this many seconds (0 = no limit)" },
  pooling: {
    flag: "--pooling",
    value: "<kind>",
    help: "last (state at the true length, the default) or mean (over the real steps)",
    key: "pooling",
    parse: choice(["last", "mean"]),
  },
  classWeights: {
    flag: "--class-weights",
    value: "<kind>",
    help: "none (the default) or balanced (weigh rare labels up in the loss)",
    key: "classWeights",
    parse: choice(["none", "balanced"]),
  },
  valFraction: { ...T.valFraction, help: "fraction of each label held out for validation (default 0.1)" },
  checkpointEvery: T.checkpointEvery,
  keepLast: T.keepLast,
  onDiverge: { ...T.onDiverge, help: "on a NaN/Inf or runaway loss: stop (default) or rollback" },
  maxRollbacks: T.maxRollbacks,
  resume: T.resume,
  initFrom: {
    ...T.initFrom,
    help: "fine-tune: start from this classifier (its architecture and weights); new labels extend its head",
  },
  vocab: { ...T.vocab, help: "with --init-from: extend (default) or keep the classifier's characters" },
  engine: { ...T.engine, help: `${T.engine.help} (tfjs trains language models only)` },
});

type ClassifyTrainFlags = FlagValues<typeof CLASSIFY_TRAIN_OPTIONS>;

interface ClassifyPredictFlags {
  model: string;
  top: string;
}

/** The confusion-matrix image written next to the model. */
export const CONFUSION_SVG = "confusion.svg";

/** `charrnn classify train|predict`: sequence classification (e.g. a name's language) on the same cells. */
export function registerClassifyCommand(program: Command, io: CliIo): void {
  const classify = program
    .command("classify")
    .description("train and run sequence classifiers (which language is this name from?)");
  const train = classify
    .command("train")
    .description(
      "train a classifier on labelled text; writes the best model (by val accuracy) and confusion.svg to --out",
    );
  addOptions(train, CLASSIFY_TRAIN_OPTIONS).action((flags: ClassifyTrainFlags) =>
    withFlagNames(flagNamesOf(CLASSIFY_TRAIN_OPTIONS, flags), () => classifyTrain(flags, io)),
  );
  classify
    .command("predict")
    .description("print the most probable labels of each text")
    .requiredOption("--model <path>", "classifier output directory or model.safetensors")
    .option("--top <k>", "labels to show per text", "3")
    .argument("<text...>", "texts (e.g. names) to classify")
    .action((texts: string[], flags: ClassifyPredictFlags) =>
      withFlagNames({}, () => classifyPredict(texts, flags, io)),
    );
}

async function classifyTrain(flags: ClassifyTrainFlags, io: CliIo): Promise<void> {
  const outDir = flags.out ?? flags.resume;
  if (outDir === undefined) throw new UsageError("--out is required (or --resume DIR to continue a run)");
  const engine = parseTrainEngine(flags.engine);
  const given: Record<string, unknown> = {
    ...flagSettings(flags, CLASSIFY_TRAIN_OPTIONS),
    task: "classifier",
  };
  const trainer = await import("@charrnn/trainer");
  // Validated now so that a bad flag fails before any data is read.
  const settings = trainer.mergeTrainOptions(trainer.CLASSIFIER_PRESET, undefined, given);
  if (flags.initFrom !== undefined && flags.resume !== undefined) {
    throw new UsageError("--init-from starts a new run and --resume continues one; give one of them");
  }
  if (flags.vocab !== undefined && flags.initFrom === undefined) {
    throw new UsageError("--vocab extend|keep goes with --init-from");
  }
  // A fine-tune takes the architecture and pooling from its model, the rest from the preset and flags.
  const fineTune = () => {
    const out: Record<string, unknown> = { ...settings, ...given };
    for (const key of [...trainer.INIT_FIXED_SETTINGS, "init", "forgetBias", "pooling"]) {
      if (given[key] === undefined) delete out[key];
    }
    return out;
  };
  // The same loop as `train`: output-directory checks and lock, checkpoints, --resume, divergence.
  const result = await trainer.train({
    ...(flags.resume !== undefined ? given : flags.initFrom !== undefined ? fineTune() : settings),
    corpus: flags.data,
    outDir,
    ...(flags.resume !== undefined && { resume: flags.resume }),
    createEngine: engineFactory(engine, undefined, (message) => io.stderr.write(`${message}\n`)),
    ...(io.signal !== undefined && { signal: io.signal }),
    onEvent: (event) => {
      if (event.type === "start") {
        const resumed =
          event.resumedFrom === undefined ? "" : `; resuming from ${event.resumedFrom} at step ${event.step}`;
        const tuned =
          event.initFrom === undefined
            ? ""
            : `; fine-tuning ${event.initFrom.path} (+${event.initFrom.addedLabels} labels, +${event.initFrom.addedTokens} characters)`;
        io.stderr.write(
          `classify: ${event.labels?.length} labels, ${event.trainTokens} training and ${event.valTokens} validation examples, vocab ${event.vocabSize}, engine ${event.engine}${resumed}${tuned}\n`,
        );
      } else if (event.type === "validation" && event.report !== undefined) {
        const r = event.report;
        io.stderr.write(
          `epoch ${event.epoch + 1} step ${event.step}: val accuracy ${(100 * r.accuracy).toFixed(1)}%, loss ${r.loss.toFixed(4)}${event.best ? " (best, saved)" : ""}\n`,
        );
      } else if (event.type === "warning") {
        io.stderr.write(`warning: ${event.message}\n`);
      }
    },
  });
  const summary = `trained ${result.step} steps (${result.epoch} epochs) in ${formatDuration(result.elapsed)} (${result.stopReason})`;
  if (result.stopReason === "diverged") {
    io.stdout.write(`${summary}\n`);
    throw divergedError(result, outDir);
  }
  if (result.bestReport === undefined) {
    // Stopped (Ctrl-C) before its first validation: the checkpoint holds the run, there is no report.
    io.stdout.write(`${summary}; not validated yet — --resume ${outDir} to continue\n`);
    return;
  }
  const svgPath = join(outDir, CONFUSION_SVG);
  writeFileAtomic(svgPath, new TextEncoder().encode(confusionSvg(result.bestReport)));
  io.stdout.write(
    `${summary}; best model from step ${result.bestStep}\n\n` +
      formatClassificationReport(result.bestReport) +
      `\nmodel: ${result.modelPath}\nconfusion matrix: ${svgPath}\n`,
  );
}

async function classifyPredict(texts: string[], flags: ClassifyPredictFlags, io: CliIo): Promise<void> {
  const k = parseIntFlag("--top", flags.top, { min: 1 });
  const [{ loadModel }, models, { Vocab }] = await Promise.all([
    import("@charrnn/models/node"),
    import("@charrnn/models"),
    import("@charrnn/vocab"),
  ]);
  const file = await loadModel(flags.model);
  if (file.config.head?.kind !== "classifier") {
    throw new CharrnnError(
      "MODEL_HEAD_MISMATCH",
      `--model ${flags.model} is a language model, not a classifier; use \`charrnn sample\` or train one with \`charrnn classify train\``,
    );
  }
  const labels = file.config.head.labels;
  const vocab = Vocab.fromJSON(file.vocab);
  const oov = vocab.unkId === undefined ? "error" : "unk";
  const width = Math.max(...texts.map((t) => [...t].length));
  for (const text of texts) {
    const ids = vocab.encode(text, { oov });
    if (ids.length === 0) throw new CharrnnError("DATA_EMPTY_EXAMPLE", "cannot classify an empty text");
    const { logits } = models.referenceClassifierForward(
      file.config,
      file.params,
      ids,
      Int32Array.of(ids.length),
      1,
      ids.length,
    );
    const probs = softmax(logits);
    const order = labels.map((_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b);
    const top = order
      .slice(0, k)
      .map((i) => `${labels[i]} ${probs[i]!.toFixed(3)}`)
      .join("  ");
    io.stdout.write(`${text}${" ".repeat(width - [...text].length)}  ${top}\n`);
  }
}

function softmax(logits: Float32Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) if (v > max) max = v;
  const out = Float64Array.from(logits, (v) => Math.exp(v - max));
  const sum = out.reduce((a, v) => a + v, 0);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / sum;
  return out;
}
