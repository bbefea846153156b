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
