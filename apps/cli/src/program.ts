import { Command } from "commander";
import { registerVocabCommand } from "./commands/vocab";
import type { CliIo } from "./io";
import { cliVersion } from "./version";

/** Builds the `charrnn` command tree, writing through `io`. */
export function createProgram(io: CliIo): Command {
  const program = new Command("charrnn")
    .description("Train, sample, score and export character- and word-level RNN/GRU/LSTM language models.")
    .version(cliVersion(), "-v, --version", "print the version")
    .option("--debug", "show stack traces on errors")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`charrnn: ${text.replace(/^error: /, "")}`),
    });
  registerVocabCommand(program, io);
  return program;
}
