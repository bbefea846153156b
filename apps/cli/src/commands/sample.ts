import { readFile } from "node:fs/promises";
import { CharrnnError } from "@charrnn/core";
import { type Vocab, VocabOovError } from "@charrnn/vocab";
import type { Command } from "commander";
import { parseInferenceEngine } from "../engines";
import type { CliIo } from "../io";
import { type OnnxNameFlags, openModel } from "../model-source";
import { withFlagNames } from "../option-names";
import { parseIntFlag, parseNumberFlag, UsageError } from "../options";
import { addModelFlags } from "./model-flags";

interface SampleFlags extends OnnxNameFlags {
  model: string;
  prime?: string;
  primeFile?: string;
  length: string;
  temperature?: string;
  topK?: string;
  topP?: string;
  minP?: string;
  repetitionPenalty?: string;
  beam?: string;
  greedy?: boolean;
  stop: string[];
  num: string;
  seed: string;
  engine?: string;
  vocab?: string;
  json?: boolean;
}

/** The sampler's option names and the flags that set them, so its range errors name the flag. */
const SAMPLE_FLAG_OF = {
  temperature: "--temperature",
  topK: "--top-k",
  topP: "--top-p",
  minP: "--min-p",
  repetitionPenalty: "--repetition-penalty",
  length: "--length",
  num: "--num",
  beamWidth: "--beam",
};

export function registerSampleCommand(program: Command, io: CliIo): void {
  const command = program
    .command("sample")
    .description("generate text from a model (a training run dir, a model file or an .onnx file)")
    .requiredOption("--model <path>", "training output directory, model.safetensors, or .onnx file")
    .option("--prime <text>", "text to start from (fed through the model first)")
    .option("--prime-file <file>", "start from this file's text (UTF-8, any length; fed in blocks)")
    .option("--length <n>", "characters (tokens) to generate", "200")
    .option("--temperature <t>", "sampling temperature > 0 (0 = greedy)")
    .option("--top-k <k>", "sample only from the k most likely tokens")
    .option("--top-p <p>", "nucleus sampling: the smallest set of tokens with probability ≥ p, p in (0, 1]")
    .option("--min-p <p>", "drop tokens less likely than p × the most likely one, p in [0, 1)")
    .option("--repetition-penalty <r>", "penalise tokens already generated (> 1 discourages repeats)")
    .option("--beam <w>", "beam search with width w: print the w best continuations")
    .option("--greedy", "always take the most likely token")
    .option("--stop <string>", "stop when this string appears (repeatable)", collect, [])
    .option("--num <n>", "number of samples, generated as one batch", "1")
    .option("--seed <s>", "random seed: the same seed and options give the same text", "0")
    .option("--json", "print the samples with their log-probabilities as JSON");
  addModelFlags(command);
  command.action((flags: SampleFlags) => withFlagNames(SAMPLE_FLAG_OF, () => sample(flags, io)));
}

async function sample(flags: SampleFlags, io: CliIo): Promise<void> {
  const length = parseIntFlag("--length", flags.length, { min: 0 });
  const num = parseIntFlag("--num", flags.num, { min: 1 });
  const seed = parseIntFlag("--seed", flags.seed);
  const engine = flags.engine === undefined ? undefined : parseInferenceEngine(flags.engine);
  const beam = flags.beam === undefined ? undefined : parseIntFlag("--beam", flags.beam, { min: 1 });
  const decoding = {
    ...(flags.temperature !== undefined && {
      temperature: parseNumberFlag("--temperature", flags.temperature),
    }),
    ...(flags.topK !== undefined && { topK: parseNumberFlag("--top-k", flags.topK) }),
    ...(flags.topP !== undefined && { topP: parseNumberFlag("--top-p", flags.topP) }),
    ...(flags.minP !== undefined && { minP: parseNumberFlag("--min-p", flags.minP) }),
    ...(flags.repetitionPenalty !== undefined && {
      repetitionPenalty: parseNumberFlag("--repetition-penalty", flags.repetitionPenalty),
    }),
    ...(flags.greedy && { greedy: true }),
  };
  if (flags.prime !== undefined && flags.primeFile !== undefined) {
    throw new UsageError("give --prime or --prime-file, not both");
  }
  const primeFlag = flags.primeFile !== undefined ? "--prime-file" : "--prime";
  const prime = flags.primeFile !== undefined ? await readPrimeFile(flags.primeFile) : flags.prime;
  const { model, vocab } = await openModel(flags.model, { ...flags, engine, vocabFile: flags.vocab });
  const sampler = await import("@charrnn/sampler");
  const start = { ...(prime !== undefined && { prime }), seed, length, stop: flags.stop };
  try {
    // Checked before anything is printed: the prime is streamed to stdout ahead of the sample.
    if (prime !== undefined) checkPrime(vocab, prime, primeFlag);
    if (beam !== undefined) {
      const result = await sampler.beamSearch(model, vocab, { ...start, beamWidth: beam });
      if (flags.json) {
        const beams = result.beams.map((b) => ({
          text: b.text,
          logProb: b.logProb,
          finishReason: b.finishReason,
        }));
        io.stdout.write(`${JSON.stringify({ prime: result.prime, beams }, null, 2)}\n`);
      } else {
        for (const [i, b] of result.beams.entries()) {
          io.stdout.write(
            `--- beam ${i + 1} (log-prob ${b.logProb.toFixed(3)}) ---\n${result.prime}${b.text}\n`,
          );
        }
      }
      return;
    }
    const options = { ...start, ...decoding, num };
    if (flags.json) {
      const result = await sampler.generate(model, vocab, options);
      const samples = [];
      for (const s of result.samples) {
        // The model's own log-probability of the continuation given the prime (all engines alike).
        const scored = await sampler.score(model, vocab, s.text, { prime: s.prime });
        samples.push({ text: s.text, logProb: -scored.totalNats, finishReason: s.finishReason });
      }
      io.stdout.write(`${JSON.stringify({ prime: result.samples[0]?.prime ?? "", samples }, null, 2)}\n`);
      return;
    }
    if (num === 1 && prime !== undefined) {
      // Stream as tokens are made. (Without a prime the sampler draws the start token itself, so the
      // text is printed whole, start token first, by the branch below.)
      io.stdout.write(prime);
      const result = await sampler.generate(model, vocab, {
        ...options,
        onToken: (event) => io.stdout.write(event.text),
      });
      io.stdout.write(result.text.endsWith("\n") ? "" : "\n");
      return;
    }
    if (num === 1) {
      const result = await sampler.generate(model, vocab, options);
      io.stdout.write(`${result.prime}${result.text}\n`);
      return;
    }
    const result = await sampler.generate(model, vocab, options);
    for (const [i, s] of result.samples.entries()) {
      io.stdout.write(`--- sample ${i + 1} ---\n${s.prime}${s.text}\n`);
    }
  } finally {
    await model.dispose?.();
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The text of `--prime-file`: UTF-8 (checked), not empty. */
async function readPrimeFile(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new CharrnnError(
      "PRIME_FILE_UNREADABLE",
      `cannot read --prime-file ${path}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new CharrnnError(
      "PRIME_FILE_INVALID",
      `--prime-file ${path} is not valid UTF-8 text; save it as UTF-8`,
      {
        cause,
      },
    );
  }
  if (text.length === 0) throw new UsageError(`--prime-file ${path} is empty; give a file with text in it`);
  return text;
}

function checkPrime(vocab: Vocab, prime: string, flag: string): void {
  try {
    // The sampler's own default: word vocabs map unknown words to <unk>, char vocabs refuse them.
    vocab.encode(prime, { oov: vocab.level === "word" && vocab.unkId !== undefined ? "unk" : "error" });
  } catch (error) {
    if (error instanceof VocabOovError) {
      throw new CharrnnError(
        error.code,
        `${flag}: ${error.message.replace(/; rebuild.*$/, "")}; remove it from ${flag}`,
        { cause: error },
      );
    }
    throw error;
  }
}
