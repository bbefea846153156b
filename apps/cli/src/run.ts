import { isCharrnnError } from "@charrnn/core";
import { CommanderError } from "commander";
import type { CliIo } from "./io";
import { UsageError } from "./options";
import { createProgram } from "./program";

/**
 * Runs the CLI with `argv` (without the node and script entries) and returns the exit code.
 * Never throws: errors become one line on stderr (the stack only with --debug).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const debug = argv.includes("--debug");
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    return reportError(error, io, debug);
  }
}

function reportError(error: unknown, io: CliIo, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Help and version are "errors" that exit 0; commander already printed them.
    if (error.exitCode === 0) return 0;
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split("\n")[0] ?? message;
  if (isCharrnnError(error)) {
    io.stderr.write(`charrnn: ${firstLine}\n`);
  } else {
    io.stderr.write(`charrnn: unexpected error: ${firstLine} (run again with --debug for details)\n`);
  }
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return error instanceof UsageError ? 2 : 1;
}
