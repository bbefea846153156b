import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recipeFor } from "@charrnn/trainer";
import { describe, expect, it } from "vitest";
import { bf16Hint, readCpuinfo } from "./bf16-hint";
import { fixture, runInProcess } from "./test/harness";

const shakespeare = readFileSync(fixture("tinyshakespeare.txt"), "utf8");

describe("train --time-budget without a preset: the recipe table", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-recipe-"));
  const corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, shakespeare.slice(0, 20_000));
  const run = (out: string, ...flags: string[]) =>
    runInProcess(["train", "--data", corpus, "--out", join(dir, out), "--engine", "reference", ...flags]);
  const settings = (out: string) =>
    JSON.parse(readFileSync(join(dir, out, "config.json"), "utf8")).settings as Record<string, unknown>;
  const small = { hidden: 8, embed: 4, layers: 1, seq: 8, batch: 2 };
  const smallFlags = ["--hidden", "8", "--embed", "4", "--layers", "1", "--seq", "8", "--batch", "2"];

  it("picks the row for the budget and the corpus size; model flags override it field by field", async () => {
    const r = await run("picked", "--time-budget", "60", "--max-steps", "2", ...smallFlags);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("machine speed not measured (the reference engine)");
    expect(r.stderr).toMatch(/recipe small-short for a 60 s budget: measured; flags override it/);
    const recipe = recipeFor(60, 20_000).settings;
    expect(settings("picked")).toMatchObject({
      ...small,
      timeBudget: 60,
      dropout: recipe.dropout,
      lr: recipe.lr,
      warmupSteps: recipe.warmupSteps,
      lrSchedule: recipe.lrSchedule,
    });
    const schedule = await run(
      "schedule",
      "--time-budget",
      "60",
      "--max-steps",
      "2",
      "--lr-schedule",
      "constant",
      "--dropout",
      "0",
      "--warmup-steps",
      "0",
      ...smallFlags,
    );
    expect(schedule.code).toBe(0);
    expect(settings("schedule")).toMatchObject({
      lrSchedule: { kind: "constant" },
      dropout: 0,
      warmupSteps: 0,
    });
  });

  it("with no model flags the run is the recipe's model", async () => {
    // The default (onnxruntime) engine: the recipe model is too slow for the reference engine here.
    const r = await run("whole", "--time-budget", "60", "--max-steps", "1", "--engine", "auto");
    expect(r.code).toBe(0);
    // On a CPU with AMX the run names the engine that would train it faster; elsewhere it says nothing.
    const hint = bf16Hint("auto", readCpuinfo());
    if (hint === undefined) expect(r.stderr).not.toContain("--precision bf16");
    else expect(r.stderr).toContain(`${hint}\nrecipe `);
    const recipe = recipeFor(60, 20_000).settings;
    expect(settings("whole")).toMatchObject({
      layers: recipe.layers,
      hidden: recipe.hidden,
      seq: recipe.seq,
      batch: recipe.batch,
    });
    // The row is picked at its model's measured speed here, and the probe's seconds come off the budget.
    const probe =
      /speed probe of the small-short row's model: [\d,]+ chars\/s, ([\d.]+)× the recipe table's machine \(([\d.]+) s\): 60 s here buy what (\d+) s bought there\n/.exec(
        r.stderr,
      );
    expect(probe, r.stderr).not.toBeNull();
    const [speed, seconds, worth] = [Number(probe![1]), Number(probe![2]), Number(probe![3])];
    expect(speed).toBeGreaterThan(0);
    expect(Math.abs(worth - 60 * speed)).toBeLessThanOrEqual(1);
    expect(seconds).toBeGreaterThan(0);
    expect(settings("whole").timeBudget).toBeCloseTo(60 - seconds, 0);
    expect(r.stderr).toMatch(/recipe small-short for a 60 s budget \([\d.]+ s left to train\): measured/);
  });

  it("--machine-speed picks the row for what the budget buys on the table's machine, without a probe", async () => {
    const fast = await run("speed-1", "--time-budget", "3600", "--max-steps", "1", ...smallFlags);
    expect(fast.code).toBe(0);
    expect(fast.stderr).toMatch(/recipe small-long for a 3600 s budget/);
    const slow = await run(
      "speed-0.05",
      "--time-budget",
      "3600",
      "--machine-speed",
      "0.05",
      "--max-steps",
      "1",
      ...smallFlags,
    );
    expect(slow.code).toBe(0);
    expect(slow.stderr).toContain(
      "machine speed 0.05× the recipe table's (--machine-speed): 3600 s here buy what 180 s bought there",
    );
    expect(slow.stderr).toMatch(/recipe small-short for a 3600 s budget: measured/);
    expect(settings("speed-0.05")).toMatchObject({
      timeBudget: 3600,
      dropout: recipeFor(180, 20_000).settings.dropout,
    });
  });

  it("a bad --machine-speed, or one without a recipe to pick, is one line naming the flag", async () => {
    for (const [out, flags, message] of [
      ["bad-0", ["--time-budget", "60", "--machine-speed", "0"], /--machine-speed must be > 0, got 0/],
      ["bad-text", ["--time-budget", "60", "--machine-speed", "fast"], /--machine-speed must be a number/],
      [
        "bad-preset",
        ["--preset", "quickstart", "--time-budget", "60", "--machine-speed", "2"],
        /--machine-speed picks a --time-budget recipe row/,
      ],
      ["bad-no-budget", ["--machine-speed", "2"], /--machine-speed picks a --time-budget recipe row/],
    ] as const) {
      const r = await run(out, ...flags, ...smallFlags);
      expect(r.code, out).not.toBe(0);
      expect(r.stderr.trim().split("\n"), out).toHaveLength(1);
      expect(r.stderr, out).toMatch(message);
    }
    // A bad flag is refused before any probe runs (on the probing engine).
    const bad = await run("bad-dropout", "--time-budget", "600", "--dropout", "1.5", "--engine", "auto");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/--dropout/);
  });

  it("a preset or a config file overrides the table: no recipe is picked", async () => {
    const preset = await run(
      "preset",
      "--preset",
      "quickstart",
      "--time-budget",
      "60",
      "--max-steps",
      "1",
      ...smallFlags,
    );
    expect(preset.code).toBe(0);
    expect(preset.stderr).not.toMatch(/^recipe /m);
    expect(settings("preset")).toMatchObject({ lrSchedule: { kind: "constant" }, lr: 3e-3, timeBudget: 60 });
    const file = join(dir, "config-file.json");
    writeFileSync(file, JSON.stringify({ lr: 0.01 }));
    const config = await run(
      "config",
      "--config",
      file,
      "--time-budget",
      "60",
      "--max-steps",
      "1",
      ...smallFlags,
    );
    expect(config.code).toBe(0);
    expect(config.stderr).not.toMatch(/^recipe /m);
    expect(settings("config")).toMatchObject({ lrSchedule: { kind: "constant" }, lr: 0.01, warmupSteps: 0 });
  });

  it("a --data path that names nothing is one line naming it", async () => {
    const missing = join(dir, "nope.txt");
    const r = await runInProcess([
      "train",
      "--data",
      missing,
      "--out",
      join(dir, "x"),
      "--time-budget",
      "60",
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(missing);
  });
});
