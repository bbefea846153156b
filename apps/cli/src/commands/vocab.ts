import { readCorpus } from "@charrnn/data";
import { Vocab } from "@charrnn/vocab";
import type { Command } from "commander";
import type { CliIo } from "../io";
import { parseChoiceFlag, parseIntFlag } from "../options";

interface VocabFlags {
  data: string;
  level: string;
  top: string;
  maxSize?: string;
  minCount?: string;
  json?: boolean;
}

export function registerVocabCommand(program: Command, io: CliIo): void {
  program
    .command("vocab")
    .description("build the vocabulary of a corpus and print its size, most frequent tokens and hash")
    .requiredOption("--data <file>", "corpus text file (UTF-8)")
    .option(
      "--level <level>",
      "char (Unicode code points), word (whitespace tokens, <unk>/<eos>) or bpe (byte pairs)",
      "char",
    )
    .option("--top <n>", "how many of the most frequent tokens to print", "10")
    .option(
      "--max-size <n>",
      "word level: keep at most this many tokens (the rest become <unk>); bpe: tokens to learn",
    )
    .option("--min-count <n>", "word level: tokens seen fewer times become <unk>")
    .option("--json", "print the vocabulary as JSON (the stable form with its hash)")
    .action(async (flags: VocabFlags) => {
      const level = parseChoiceFlag("--level", flags.level, ["char", "word", "bpe"] as const);
      const top = parseIntFlag("--top", flags.top, { min: 0 });
      const maxSize =
        flags.maxSize === undefined ? undefined : parseIntFlag("--max-size", flags.maxSize, { min: 1 });
      const minCount =
        flags.minCount === undefined ? undefined : parseIntFlag("--min-count", flags.minCount, { min: 1 });
      const text = await readCorpus(flags.data);
      const vocab = Vocab.fromText(text, { level, maxSize, minCount });
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(vocab.toJSON(), null, 2)}\n`);
        return;
      }
      io.stdout.write(
        `vocabulary: ${vocab.size} ${level === "char" ? "characters" : level === "word" ? "words" : "tokens (256 bytes + merges)"}\n`,
      );
      io.stdout.write(`hash:       ${vocab.hash}\n`);
      if (top > 0) io.stdout.write(formatTopTokens(vocab, top));
    });
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
