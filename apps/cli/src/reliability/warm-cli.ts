/**
 * Test-only entry: a `charrnn` process that loads the CLI and the trainer first, says "warm: ready"
 * on stderr, then reads its arguments (a JSON array, one line on stdin) and runs them like the binary.
 * The kill tests start the next process while the current one trains, so twenty kills do not pay
 * twenty cold starts; everything after the arguments arrive is the real CLI code path.
 */
import { createInterface } from "node:readline";
import { processIo } from "../io";
import { runCli } from "../run";

await import("@charrnn/trainer");
process.stderr.write("warm: ready\n");
const lines = createInterface({ input: process.stdin });
const first = await new Promise<string>((resolve) => lines.once("line", resolve));
lines.close();
// As in the binary's training commands: Ctrl-C or SIGTERM finishes the step, checkpoints and exits 0.
const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => controller.abort(signal));
process.exitCode = await runCli(JSON.parse(first) as string[], processIo(controller.signal));
