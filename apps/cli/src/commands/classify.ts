import { join } from "node:path";
import { CharrnnError } from "@charrnn/vocab";
import type { Command } from "commander";
import { engineFactory, TRAIN_ENGINES } from "../engines";
import type { CliIo } from "../io";
import { withFlagNames } from "../option-names";
import { parseChoiceFlag, parseIntFlag, parseNumberFlag } from "../options";
import { formatDuration } from "../progress";
import { confusionSvg, formatClassificationReport } from "./classify-report";

interface ClassifyTrainFlags {
  data: string;
  out: string;
  cell?: string;
  layers?: string;
  hidden?: string;
  embed?: string;
  dropout?: string;
  epochs?: string;
  batch?: string;
  lr?: string;
  seed?: string;
  timeBudget?: string;
  pooling: string;
  classWeights: string;
  valFraction?: string;
  engine: string;
}

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
  classify
    .command("train")
    .description(
      "train a classifier on labelled text; writes the best model (by val accuracy) and confusion.svg to --out",
    )
    .requiredOption(
      "--data <path>",
      "a directory of label.txt files (one example per line), or a .csv/.tsv of text,label",
    )
    .requiredOption("--out <dir>", "output directory")
    .option("--cell <cell>", "rnn, gru or lstm (default gru)")
    .option("--layers <n>", "recurrent layers (default 1)")
    .option("--hidden <n>", "hidden units per layer (default 128)")
    .option("--embed <n>", "embedding width (default 32)")
    .option("--dropout <p>", "dropout between layers and before pooling, in [0, 1)")
    .option("--epochs <n>", "passes over the training split (default 10)")
    .option("--batch <n>", "examples per step (default 64)")
    .option("--lr <rate>", "Adam learning rate (default 0.005)")
    .option("--seed <n>", "random seed (split, weights, order)")
    .option("--time-budget <sec>", "stop after this many seconds (0 = no limit)")
    .option("--pooling <kind>", "last (state at the true length) or mean (over the real steps)", "last")
    .option("--class-weights <kind>", "none or balanced (weigh rare labels up in the loss)", "none")
    .option("--val-fraction <f>", "fraction of each label held out for validation (default 0.1)")
    .option(
      "--engine <name>",
      `training engine: ${TRAIN_ENGINES.join(", ")} (tfjs trains language models only)`,
      "auto",
    )
    .action((flags: ClassifyTrainFlags) => withFlagNames(() => classifyTrain(flags, io)));
  classify
    .command("predict")
    .description("print the most probable labels of each text")
    .requiredOption("--model <path>", "classifier output directory or model.safetensors")
    .option("--top <k>", "labels to show per text", "3")
    .argument("<text...>", "texts (e.g. names) to classify")
    .action((texts: string[], flags: ClassifyPredictFlags) =>
      withFlagNames(() => classifyPredict(texts, flags, io)),
    );
}

async function classifyTrain(flags: ClassifyTrainFlags, io: CliIo): Promise<void> {
  const engine = parseChoiceFlag("--engine", flags.engine, TRAIN_ENGINES);
  const int = (flag: string, raw: string | undefined): number | undefined =>
    raw === undefined ? undefined : parseIntFlag(flag, raw, { min: 1 });
  const num = (flag: string, raw: string | undefined): number | undefined =>
    raw === undefined ? undefined : parseNumberFlag(flag, raw, { min: 0 });
  const settings = {
    cell:
      flags.cell === undefined
        ? undefined
        : parseChoiceFlag("--cell", flags.cell, ["rnn", "gru", "lstm"] as const),
    layers: int("--layers", flags.layers),
    hidden: int("--hidden", flags.hidden),
    embed: int("--embed", flags.embed),
    dropout: num("--dropout", flags.dropout),
    epochs: int("--epochs", flags.epochs),
    batch: int("--batch", flags.batch),
    lr: num("--lr", flags.lr),
    seed: flags.seed === undefined ? undefined : parseIntFlag("--seed", flags.seed, { min: 0 }),
    timeBudget: num("--time-budget", flags.timeBudget),
    valFraction: num("--val-fraction", flags.valFraction),
    pooling: parseChoiceFlag("--pooling", flags.pooling, ["last", "mean"] as const),
    classWeights: parseChoiceFlag("--class-weights", flags.classWeights, ["none", "balanced"] as const),
  };
  const trainer = await import("@charrnn/trainer");
  const result = await trainer.trainClassifier({
    ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)),
    data: flags.data,
    outDir: flags.out,
    createEngine: engineFactory(engine, undefined, (message) => io.stderr.write(`${message}\n`)),
    ...(io.signal !== undefined && { signal: io.signal }),
    onEvent: (event) => {
      if (event.type === "start") {
        io.stderr.write(
          `classify: ${event.labels.length} labels, ${event.train} training and ${event.val} validation examples, vocab ${event.vocabSize}, engine ${event.engine}\n`,
        );
      } else if (event.type === "validation") {
        const r = event.report;
        io.stderr.write(
          `epoch ${event.epoch + 1} step ${event.step}: val accuracy ${(100 * r.accuracy).toFixed(1)}%, loss ${r.loss.toFixed(4)}${event.best ? " (best, saved)" : ""}\n`,
        );
      }
    },
  });
  const svgPath = join(flags.out, CONFUSION_SVG);
  trainer.writeFileAtomic(svgPath, new TextEncoder().encode(confusionSvg(result.best)));
  io.stdout.write(
    `trained ${result.steps} steps (${result.epochs} epochs) in ${formatDuration(result.elapsed)} (${result.stopReason}); best model from step ${result.bestStep}\n\n` +
      formatClassificationReport(result.best) +
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
