import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fixture, runInProcess } from "../test/harness";
import { spawnCli, TINY_MODEL } from "./spawn-cli";

const dir = mkdtempSync(join(tmpdir(), "charrnn-signals-"));
const run = join(dir, "run");

beforeAll(async () => {
  const corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, readFileSync(fixture("tinyshakespeare.txt"), "utf8").slice(0, 2000));
  const result = await runInProcess([
    "train",
    "--data",
    corpus,
    "--out",
    run,
    ...TINY_MODEL,
    "--max-steps",
    "2",
  ]);
  expect(result.code, result.stderr).toBe(0);
}, 60_000);

describe("signals during long work outside training", () => {
  for (const [signal, code] of [
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const) {
    it(`${signal} ends a long sample at once (exit ${code}); there is nothing to save`, async () => {
      // Two million characters streamed to stdout: minutes of work, so only the signal ends it soon.
      const child = spawnCli(["sample", "--model", run, "--prime", "T", "--length", "2000000"]);
      const started = Date.now();
      while (child.stdout().length < 2000) {
        expect(Date.now() - started, child.stderr()).toBeLessThan(60_000);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const sent = Date.now();
      child.process.kill(signal);
      const timer = setTimeout(() => child.process.kill("SIGKILL"), 15_000);
      const exit = await child.exited;
      clearTimeout(timer);
      expect(exit, child.stderr()).toEqual({ code, signal: null });
      expect(Date.now() - sent).toBeLessThan(10_000);
    }, 90_000);
  }
});

describe("signals during training on a synchronous engine", () => {
  it("SIGTERM stops a reference-engine run after the current step with a checkpoint (exit 0)", async () => {
    const corpus = join(dir, "long.txt");
    writeFileSync(corpus, readFileSync(fixture("tinyshakespeare.txt"), "utf8").slice(0, 20_000));
    const out = join(dir, "long-run");
    // Steps long enough (a 2×64 LSTM over batch 8 × seq 32, ~0.1–0.5 s each) that the loop runs for
    // seconds between any I/O of its own; the tiny test model's steps hide the problem.
    const model = ["--engine", "reference", "--cell", "lstm", "--layers", "2", "--hidden", "64"];
    const window = ["--seq", "32", "--batch", "8", "--max-steps", "1000000", "--checkpoint-every", "1000000"];
    const child = spawnCli(["train", "--data", corpus, "--out", out, ...model, ...window]);
    await child.waitForLine(/^step 10 /, 60_000);
    const sent = Date.now();
    child.process.kill("SIGTERM");
    const timer = setTimeout(() => child.process.kill("SIGKILL"), 20_000);
    const exit = await child.exited;
    clearTimeout(timer);
    expect(exit, child.stderr()).toEqual({ code: 0, signal: null });
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(child.stdout()).toMatch(/\(interrupted\)/);
  }, 90_000);
});
