import { Command } from "commander";
import { registerClassifyCommand } from "./commands/classify";
import { registerEvalCommand } from "./commands/eval";
import { registerExportCommand } from "./commands/export";
import { registerImportCommand } from "./commands/import";
import { registerInfoCommand } from "./commands/info";
import { registerParityCommand } from "./commands/parity";
import { registerPlotCommand } from "./commands/plot";
import { registerSampleCommand } from "./commands/sample";
import { registerScoreCommand } from "./commands/score";
import { registerTrainCommand } from "./commands/train";
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
  registerTrainCommand(program, io);
  registerSampleCommand(program, io);
  registerScoreCommand(program, io);
  registerEvalCommand(program, io);
  registerExportCommand(program, io);
  registerImportCommand(program, io);
  registerInfoCommand(program, io);
  registerParityCommand(program, io);
  registerVocabCommand(program, io);
  registerClassifyCommand(program, io);
  registerPlotCommand(program, io);
  return program;
}
