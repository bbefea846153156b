import { readFile } from "node:fs/promises";
import { CharrnnError } from "@charrnn/core";
import type { Command } from "commander";
import { parseInferenceEngine } from "../engines";
import type { CliIo } from "../io";
import { type OnnxNameFlags, openModel } from "../model-source";
import { withFlagNames } from "../option-names";
import { parseIntFlag, UsageError } from "../options";
import { addModelFlags } from "./model-flags";

interface ScoreFlags extends OnnxNameFlags {
  model: string;
  text?: string;
  file?: string;
  prime?: string;
  top: string;
  engine?: string;
  vocab?: string;
  json?: boolean;
}

export function registerScoreCommand(program: Command, io: CliIo): void {
  const command = program
    .command("score")
    .description("how likely a model finds a text: per-char log-probs, nats/char, bits/char, perplexity")
    .requiredOption("--model <path>", "training output directory, model.safetensors, or .onnx file")
    .option("--text <text>", "the text to score")
    .option("--file <file>", "a file whose text to score")
    .option(
      "--prime <text>",
      "context before the text (not scored); without it the first character is context",
    )
    .option("--top <k>", "with --json: the k most likely next tokens at each position", "0")
    .option("--json", "print per-token log-probabilities as JSON");
  addModelFlags(command);
  command.action((flags: ScoreFlags) => withFlagNames({ k: "--top" }, () => scoreCommand(flags, io)));
}

async function scoreCommand(flags: ScoreFlags, io: CliIo): Promise<void> {
  if ((flags.text === undefined) === (flags.file === undefined)) {
    throw new UsageError("give exactly one of --text or --file");
  }
  const top = parseIntFlag("--top", flags.top, { min: 0 });
  const engine = flags.engine === undefined ? undefined : parseInferenceEngine(flags.engine);
  const text = flags.text ?? (await readText(flags.file!));
  const {
    model,
    vocab,
    engine: used,
  } = await openModel(flags.model, { ...flags, engine, vocabFile: flags.vocab });
  const sampler = await import("@charrnn/sampler");
  try {
    const options = flags.prime === undefined ? {} : { prime: flags.prime };
    const detailed =
      flags.json && top > 0
        ? await sampler.scoreDetailed(model, vocab, text, { ...options, k: top })
        : undefined;
    const result = detailed ?? (await sampler.score(model, vocab, text, options));
    const summary = {
      engine: used,
      tokens: result.count,
      chars: result.chars,
      totalNats: result.totalNats,
      natsPerToken: result.natsPerToken,
      bitsPerChar: result.bitsPerChar,
      perplexity: result.perplexity,
    };
    if (!flags.json) {
      // A word model's perplexity is per word, as PTB reports it.
      const unit = vocab.level === "word" ? "word" : "token";
      io.stdout.write(
        `${result.natsPerToken.toFixed(4)} nats/${unit}, ${result.bitsPerChar.toFixed(4)} bits/char, ` +
          `perplexity ${result.perplexity.toFixed(3)} over ${result.count} ${unit}s (total ${result.totalNats.toFixed(3)} nats)\n`,
      );
      return;
    }
    const perToken = Array.from(result.logProbs, (logProb, i) => {
      const index = result.first + i;
      const entry: Record<string, unknown> = { token: vocab.tokens[result.tokens[index]!], logProb };
      if (detailed) entry.top = detailed.positions[i]?.top.map((t) => ({ token: t.token, prob: t.prob }));
      return entry;
    });
    io.stdout.write(`${JSON.stringify({ ...summary, perToken }, null, 2)}\n`);
  } finally {
    await model.dispose?.();
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (cause) {
    throw new CharrnnError(
      "SCORE_FILE_UNREADABLE",
      `cannot read --file ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
}
