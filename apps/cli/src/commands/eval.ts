import { SPLIT_MODES } from "@charrnn/trainer/names";
import type { Command } from "commander";
import { parseInferenceEngine } from "../engines";
import type { CliIo } from "../io";
import { type OnnxNameFlags, openModel } from "../model-source";
import { withFlagNames } from "../option-names";
import { parseChoiceFlag, parseIntFlag, parseNumberFlag, UsageError } from "../options";
import { addModelFlags } from "./model-flags";

/**
 * `--batch`'s default: the sampler's SCORE_STREAMS, which training's validation also uses (not
 * imported, so the CLI starts without loading the sampler; a test keeps the two equal).
 */
export const EVAL_STREAMS = "16";

interface EvalFlags extends OnnxNameFlags {
  model: string;
  data: string;
  valFraction?: string;
  split: string;
  splitChunks?: string;
  batch: string;
  seq: string;
  engine?: string;
  vocab?: string;
  json?: boolean;
}

export function registerEvalCommand(program: Command, io: CliIo): void {
  const command = program
    .command("eval")
    .description("loss of a model on a text file: nats/char, bits/char and perplexity")
    .requiredOption("--model <path>", "training output directory, model.safetensors, or .onnx file")
    .requiredOption("--data <file>", "text to evaluate on (UTF-8)")
    .option(
      "--val-fraction <f>",
      "evaluate only the validation split that training with this --val-fraction holds out (the file's end)",
    )
    .option(
      "--split <mode>",
      "with --val-fraction, the split training used: end (the file's end) or chunks (the end of each of --split-chunks equal pieces)",
      "end",
    )
    .option("--split-chunks <n>", "with --split chunks: training's --split-chunks (default 50)")
    .option("--batch <n>", "parallel streams (each starts from a zero state)", EVAL_STREAMS)
    .option("--seq <n>", "tokens per forward call, state carried", "256")
    .option("--json", "print the result as JSON");
  addModelFlags(command);
  // The scorer calls the window length `steps`.
  command.action((flags: EvalFlags) =>
    withFlagNames(
      { batch: "--batch", steps: "--seq", valFraction: "--val-fraction", chunks: "--split-chunks" },
      () => evaluate(flags, io),
    ),
  );
}

async function evaluate(flags: EvalFlags, io: CliIo): Promise<void> {
  const batch = parseIntFlag("--batch", flags.batch, { min: 1 });
  const steps = parseIntFlag("--seq", flags.seq, { min: 1 });
  const fraction =
    flags.valFraction === undefined
      ? undefined
      : parseNumberFlag("--val-fraction", flags.valFraction, { min: 0, max: 1, minInclusive: false });
  // per-file needs training's several files; eval reads one.
  const split = parseChoiceFlag(
    "--split",
    flags.split,
    SPLIT_MODES.filter((mode) => mode !== "per-file"),
  );
  if (split === "chunks" && fraction === undefined) {
    throw new UsageError("--split chunks needs --val-fraction: the fraction training held out of each piece");
  }
  if (flags.splitChunks !== undefined && split !== "chunks") {
    throw new UsageError("--split-chunks goes with --split chunks; add --split chunks or drop it");
  }
  const chunks =
    flags.splitChunks === undefined
      ? undefined
      : parseIntFlag("--split-chunks", flags.splitChunks, { min: 1 });
  const engine = flags.engine === undefined ? undefined : parseInferenceEngine(flags.engine);
  const [{ readCorpus, splitCorpus, splitCorpusChunks }, { scoreCorpus }] = await Promise.all([
    import("@charrnn/data"),
    import("@charrnn/sampler"),
  ]);
  const {
    model,
    vocab,
    engine: used,
  } = await openModel(flags.model, { ...flags, engine, vocabFile: flags.vocab });
  try {
    const all = vocab.encode(await readCorpus(flags.data), {
      oov: vocab.unkId === undefined ? "error" : "unk",
    });
    // The very split training validates on, so the two report the same tokens.
    const ids =
      fraction === undefined || fraction === 1
        ? all
        : split === "chunks"
          ? splitCorpusChunks(all, { val: fraction, chunks }).val
          : splitCorpus(all, { val: fraction }).val;
    const result = await scoreCorpus(model, ids, { batch, steps });
    // A bpe token is a byte sequence, not a character: `score` gives a bpe model's bits per character.
    const unit = vocab.level === "char" ? "char" : vocab.level === "bpe" ? "token" : "word";
    const report = {
      model: flags.model,
      data: flags.data,
      engine: used,
      tokens: result.count,
      natsPerToken: result.natsPerToken,
      bitsPerToken: result.bitsPerToken,
      perplexity: result.perplexity,
      unit,
    };
    if (flags.json) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    io.stdout.write(
      `loss ${result.natsPerToken.toFixed(4)} nats/${unit}, ${result.bitsPerToken.toFixed(4)} bits/${unit}, ` +
        `perplexity ${result.perplexity.toFixed(3)} over ${result.count} ${unit}s (${used} engine)\n`,
    );
  } finally {
    await model.dispose?.();
  }
}
