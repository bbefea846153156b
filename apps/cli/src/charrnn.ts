import { processIo } from "./io";
import { runCli } from "./run";

const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts++;
  // A second Ctrl-C means "now": leave without waiting for the checkpoint.
  if (interrupts > 1) process.exit(130);
  process.stderr.write(`\ncharrnn: ${signal} received, finishing the current step and saving…\n`);
  controller.abort(signal);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const code = await runCli(process.argv.slice(2), processIo(controller.signal));
process.exitCode = code;
