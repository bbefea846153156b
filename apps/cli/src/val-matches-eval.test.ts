import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCORE_STREAMS } from "@charrnn/sampler";
import { describe, expect, it } from "vitest";
import { EVAL_STREAMS } from "./commands/eval";
import { fixture, runInProcess } from "./test/harness";

describe("a run's validation loss is what charrnn eval reports for its model", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-val-eval-"));
  const corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, readFileSync(fixture("tinyshakespeare.txt"), "utf8").slice(0, 12_000));
  const train = (out: string, ...flags: string[]) =>
    runInProcess([
      "train",
      "--data",
      corpus,
      "--out",
      join(dir, out),
      "--engine",
      "reference",
      "--layers",
      "1",
      "--hidden",
      "16",
      "--embed",
      "8",
      "--seq",
      "16",
      "--batch",
      "4",
      "--lr",
      "0.03",
      "--max-steps",
      "40",
      "--val-every",
      "20",
      ...flags,
    ]);
  const best = (out: string) =>
    Math.min(
      ...readFileSync(join(dir, out, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { valLoss?: number })
        .flatMap((m) => (m.valLoss === undefined ? [] : [m.valLoss])),
    );
  const evaluate = async (out: string, ...flags: string[]) =>
    JSON.parse(
      (
        await runInProcess([
          "eval",
          "--model",
          join(dir, out),
          "--data",
          corpus,
          "--val-fraction",
          "0.1",
          "--engine",
          "ts",
          "--json",
          ...flags,
        ])
      ).stdout,
    ).natsPerToken as number;

  it("by default, whatever the training batch; --val-batch picks the streams", async () => {
    expect(EVAL_STREAMS).toBe(String(SCORE_STREAMS));
    expect((await train("default")).code).toBe(0);
    const byEval = await evaluate("default");
    expect(best("default")).toBeCloseTo(byEval, 5);
    expect((await train("one", "--val-batch", "1")).code).toBe(0);
    expect(best("one")).toBeCloseTo(await evaluate("one", "--batch", "1"), 5);
    // The streams matter (each starts without context), so the agreement above is not a coincidence.
    expect(Math.abs(best("one") - (await evaluate("one")))).toBeGreaterThan(1e-4);
  });
});
