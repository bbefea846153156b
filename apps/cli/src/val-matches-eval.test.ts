import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SCORE_STREAMS } from "@charrnn/sampler";
import { describe, expect, it } from "vitest";
import { EVAL_STREAMS } from "./commands/eval";
import { runInProcess, tempCorpus } from "./test/harness";

describe("a run's validation loss is what charrnn eval reports for its model", () => {
  const { dir, corpus } = tempCorpus("charrnn-cli-val-eval-", 12_000);
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

  it("except with --val-max-tokens, which validates on a sample the first line names", async () => {
    // 1,200 val chars in 16 streams of 75; 64 tokens: the first 4 predictions of each.
    const run = await train("sampled", "--val-max-tokens", "64");
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /1,200 val tokens.*; each validation scores 64 of the val tokens \(--val-max-tokens\)/,
    );
    expect(Math.abs(best("sampled") - (await evaluate("sampled")))).toBeGreaterThan(1e-4);
    const bad = await train("bad", "--val-max-tokens", "-3");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^charrnn: --val-max-tokens/);
  });

  it("on char-rnn's split with --split chunks --split-chunks, as training held it out", async () => {
    const split = ["--split", "chunks", "--split-chunks", "5"];
    expect((await train("chunks", ...split)).code).toBe(0);
    expect(best("chunks")).toBeCloseTo(await evaluate("chunks", ...split), 5);
    // The corpus's end is other text: the same model scores differently there.
    expect(Math.abs(best("chunks") - (await evaluate("chunks")))).toBeGreaterThan(1e-3);
  });

  it("refuses --split chunks without --val-fraction and --split-chunks without --split chunks", async () => {
    const evalWith = (...flags: string[]) =>
      runInProcess(["eval", "--model", join(dir, "default"), "--data", corpus, ...flags]);
    const noFraction = await evalWith("--split", "chunks");
    expect(noFraction.code).toBe(2);
    expect(noFraction.stderr).toMatch(/^charrnn: --split chunks needs --val-fraction/);
    const stray = await evalWith("--val-fraction", "0.1", "--split-chunks", "5");
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/^charrnn: --split-chunks goes with --split chunks/);
    const bad = await evalWith("--val-fraction", "0.1", "--split", "per-file");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--split must be one of end, chunks, got "per-file"/);
  });
});
