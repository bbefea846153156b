/**
 * Test-only child process for lock.test.ts: loads, says "ready", reads `{ dirs, start, gapMs }` (one
 * JSON line on stdin), then at `start + i·gapMs` (epoch ms) tries to take the lock of `dirs[i]`, and
 * prints one JSON line of outcomes: "won", or the error code. Won locks are kept until stdin ends.
 */
import { createInterface } from "node:readline";
import { acquireDirLock } from "./lock";

process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const first = (await lines.next()).value as string;
const { dirs, start, gapMs } = JSON.parse(first) as { dirs: string[]; start: number; gapMs: number };
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const outcomes: string[] = [];
for (let i = 0; i < dirs.length; i++) {
  const at = start + i * gapMs;
  // Sleep until just before the moment, then spin, so every taker tries within the same instant.
  if (at - Date.now() > 3) Atomics.wait(sleeper, 0, 0, at - Date.now() - 3);
  while (Date.now() < at) {}
  try {
    acquireDirLock(dirs[i]!);
    outcomes.push("won");
  } catch (error) {
    outcomes.push((error as { code?: string }).code ?? String(error));
  }
}
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
// Keep the won locks until the test closes stdin, after every taker has reported: a taker delayed by a
// loaded machine must find the winner alive, not a lock left by an exited (hence dead) process.
while (!(await lines.next()).done) {}
