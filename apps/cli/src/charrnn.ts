import { processIo } from "./io";
import { runCli } from "./run";

const argv = process.argv.slice(2);
const words = argv.filter((a) => !a.startsWith("-"));
// Training saves a checkpoint of the step in progress before it stops; every other command has
// nothing to save, so a signal ends it at once (its long loops let the event loop turn to see it).
const training = words[0] === "train" || (words[0] === "classify" && words[1] === "train");
const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  if (!training) process.exit(signal === "SIGINT" ? 130 : 143);
  interrupts++;
  // A second Ctrl-C means "now": leave without waiting for the checkpoint.
  if (interrupts > 1) process.exit(130);
  process.stderr.write(`\ncharrnn: ${signal} received, finishing the current step and saving…\n`);
  controller.abort(signal);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const code = await runCli(argv, processIo(controller.signal));
process.exitCode = code;
