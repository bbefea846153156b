import { readCorpus } from "@charrnn/data";
import { Vocab, type VocabBuildOptions } from "@charrnn/vocab";
import type { Command } from "commander";
import type { CliIo } from "../io";
import { withFlagNames } from "../option-names";
import { addOptions, type FlagValues, flagNamesOf, int, optionTable } from "../option-table";
import { parseIntFlag } from "../options";
import { flagSettings, TRAIN_OPTIONS } from "./train-options";

/**
 * The vocabulary flags of `train` (same flags and parsing), keyed by the vocabulary builder's option
 * names, and its own.
 */
const T = TRAIN_OPTIONS;
const VOCAB_OPTIONS = optionTable({
  data: { flag: "--data", value: "<file>", help: "corpus text file (UTF-8)", required: true },
  level: {
    ...T.level,
    help: "char (Unicode code points), word (whitespace tokens, <unk>/<eos>) or bpe (byte pairs)",
    default: "char",
  },
  top: { flag: "--top", value: "<n>", help: "how many of the most frequent tokens to print", default: "10" },
  maxVocab: { ...T.maxVocab, key: "maxSize" },
  vocabSize: { ...T.vocabSize, key: "maxSize" },
  // The name this command gave the size before it took train's flags.
  maxSize: {
    flag: "--max-size",
    value: "<n>",
    help: "word: --max-vocab; bpe: --vocab-size",
    key: "maxSize",
    parse: int(1),
    hidden: true,
  },
  minCount: { ...T.minCount, key: "minCount" },
});

type VocabFlags = FlagValues<typeof VOCAB_OPTIONS> & { json?: boolean };

export function registerVocabCommand(program: Command, io: CliIo): void {
  const command = program
    .command("vocab")
    .description("build the vocabulary of a corpus and print its size, most frequent tokens and hash");
  addOptions(command, VOCAB_OPTIONS)
    .option("--json", "print the vocabulary as JSON (the stable form with its hash)")
    .action((flags: VocabFlags) =>
      withFlagNames(flagNamesOf(VOCAB_OPTIONS, flags), async () => {
        const top = parseIntFlag("--top", flags.top, { min: 0 });
        const options = flagSettings(flags, VOCAB_OPTIONS) as VocabBuildOptions;
        const text = await readCorpus(flags.data);
        const vocab = Vocab.fromText(text, options);
        if (flags.json) {
          io.stdout.write(`${JSON.stringify(vocab.toJSON(), null, 2)}\n`);
          return;
        }
        const level = vocab.level;
        io.stdout.write(
          `vocabulary: ${vocab.size} ${level === "char" ? "characters" : level === "word" ? "words" : "tokens (256 bytes + merges)"}\n`,
        );
        io.stdout.write(`hash:       ${vocab.hash}\n`);
        if (top > 0) io.stdout.write(formatTopTokens(vocab, top));
      }),
    );
}

function formatTopTokens(vocab: Vocab, top: number): string {
  const counts = vocab.counts;
  if (!counts) return "";
  const ids = Array.from({ length: vocab.size }, (_, id) => id);
  ids.sort((a, b) => (counts[b] ?? 0) - (counts[a] ?? 0) || a - b);
  const total = ids.reduce((sum, id) => sum + (counts[id] ?? 0), 0);
  const lines = [`most frequent (of ${total} tokens):`];
  for (const id of ids.slice(0, top)) {
    const count = counts[id] ?? 0;
    const pct = total > 0 ? ((100 * count) / total).toFixed(2) : "0.00";
    lines.push(`  ${showToken(vocab.tokens[id] ?? "")}  ${count}  ${pct}%`);
  }
  return `${lines.join("\n")}\n`;
}

/** Makes whitespace and control characters visible in listings. */
function showToken(token: string): string {
  return JSON.stringify(token);
}
