import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { StepOptions } from "../engine/types";
import { splitStreams } from "../loop/evaluate";
import { fresh, options } from "../loop/test-helpers";
import { train } from "../loop/train";
import { annealsToRunEnd, createLrSchedule, runProgress } from "../schedule/lr-schedule";
import { mergeTrainOptions } from "./merge-options";
import { RECIPE_VAL_TOKENS, RECIPES, recipeFor } from "./recipes";

const TINY_SHAKESPEARE = 1_115_394;

describe("time-budget recipes", () => {
  it("picks the row by budget and corpus size, and sets the budget", () => {
    expect(recipeFor(150, TINY_SHAKESPEARE).name).toBe("quick");
    expect(recipeFor(180, TINY_SHAKESPEARE).name).toBe("quick");
    expect(recipeFor(181, TINY_SHAKESPEARE).name).toBe("five-minutes");
    expect(recipeFor(300, TINY_SHAKESPEARE).name).toBe("five-minutes");
    expect(recipeFor(330, TINY_SHAKESPEARE).name).toBe("five-minutes");
    expect(recipeFor(331, TINY_SHAKESPEARE).name).toBe("ten-minutes");
    expect(recipeFor(900, TINY_SHAKESPEARE).name).toBe("fifteen-minutes");
    expect(recipeFor(3600, TINY_SHAKESPEARE).name).toBe("hour");
    expect(recipeFor(150, 100_000).name).toBe("small-short");
    expect(recipeFor(300, 100_000).name).toBe("small-short");
    expect(recipeFor(301, 100_000).name).toBe("small-long");
    expect(recipeFor(3600, 100_000).name).toBe("small-long");
    // A large corpus takes the short rows up to ten minutes, then its own.
    expect(recipeFor(150, 50_000_000).name).toBe("quick");
    expect(recipeFor(300, 50_000_000).name).toBe("five-minutes");
    expect(recipeFor(600, 50_000_000).name).toBe("ten-minutes");
    expect(recipeFor(601, 50_000_000).name).toBe("large-short");
    expect(recipeFor(900, 50_000_000).name).toBe("large-short");
    expect(recipeFor(1e9, 1e12).name).toBe("large-long");
    expect(recipeFor(150, TINY_SHAKESPEARE).settings.timeBudget).toBe(150);
    // The table itself is not changed by a lookup.
    expect(RECIPES.every((r) => r.settings.timeBudget === undefined)).toBe(true);
  });

  it("refuses a budget that cannot pick a row", () => {
    expect(() => recipeFor(0, 1000)).toThrow(/timeBudget must be a number of seconds > 0/);
    expect(() => recipeFor(Number.NaN, 1000)).toThrow(/timeBudget/);
    expect(() => recipeFor(60, -1)).toThrow(/corpusChars/);
  });

  it("every row is complete, valid settings that warm up and anneal to the deadline", () => {
    for (const row of RECIPES) {
      const s = mergeTrainOptions(recipeFor(row.maxBudget === Infinity ? 7200 : row.maxBudget, 0).settings);
      const settings = mergeTrainOptions(row.settings);
      expect(annealsToRunEnd(settings.lrSchedule), row.name).toBe(true);
      expect(settings.warmupSteps, row.name).toBeGreaterThan(0);
      for (const key of [
        "layers",
        "hidden",
        "seq",
        "batch",
        "dropout",
        "inputDropout",
        "weightDrop",
        "lr",
      ] as const) {
        expect(row.settings[key], `${row.name}.${key}`).toBeDefined();
      }
      expect(s.timeBudget).toBeGreaterThan(0);
      expect(settings.valMaxTokens, row.name).toBe(RECIPE_VAL_TOKENS);
    }
    // The rows were measured validating on tiny Shakespeare's whole tenth: the cap leaves it whole.
    const tenth = { batch: 16, steps: 256 };
    expect(splitStreams(111_540, { ...tenth, maxTokens: RECIPE_VAL_TOKENS })).toEqual(
      splitStreams(111_540, tenth),
    );
    // Bounds only widen down the table within a corpus size, so no row hides another.
    const names = new Set(RECIPES.map((r) => r.name));
    expect(names.size).toBe(RECIPES.length);
    for (const row of RECIPES) {
      const probe = recipeFor(Math.min(row.maxBudget, 1e6), Math.min(row.maxCorpus, 1e9));
      expect(probe.name).toBe(row.name);
    }
  });

  it("preset-less flags and config override the recipe field by field", () => {
    const recipe = recipeFor(900, TINY_SHAKESPEARE).settings;
    const s = mergeTrainOptions(
      recipe,
      { dropout: 0.5 },
      { hidden: 32, lrSchedule: "constant", timeBudget: 900 },
    );
    expect(s.hidden).toBe(32);
    expect(s.dropout).toBe(0.5);
    expect(s.lrSchedule).toEqual({ kind: "constant" });
    // What the overrides leave alone is the recipe's.
    expect(s.layers).toBe(recipe.layers);
    expect(s.seq).toBe(recipe.seq);
    expect(s.warmupSteps).toBe(recipe.warmupSteps);
    // A tuned floor keeps the recipe's schedule (this row's: linear).
    const floor = mergeTrainOptions(recipe, undefined, { lrSchedule: { minLr: 1e-5 } });
    expect(floor.lrSchedule).toEqual({ kind: "linear", minLr: 1e-5 });
  });

  it("the schedule reaches its floor at the deadline for any measured throughput", () => {
    const settings = mergeTrainOptions(recipeFor(150, TINY_SHAKESPEARE).settings);
    const minLr = settings.lrSchedule.kind === "cosine" ? settings.lrSchedule.minLr! : Number.NaN;
    // A slow and a fast machine: steps/s measured by the run. Either way the rate peaks after the
    // warm-up and falls to minLr exactly when the budget's seconds are used up.
    for (const stepsPerSecond of [2, 40]) {
      const schedule = createLrSchedule(settings.lrSchedule, settings.lr, undefined, settings.warmupSteps);
      const lrAtStep = (step: number) =>
        schedule.lrAt({
          epoch: 0,
          step,
          progress: runProgress({
            step,
            epochs: settings.epochs,
            windowsPerEpoch: 1e6,
            maxSteps: 0,
            timeBudget: settings.timeBudget,
            sessionSeconds: step / stepsPerSecond,
            resumedAt: 0,
          }),
        });
      const lastStep = settings.timeBudget * stepsPerSecond;
      const lrs = Array.from({ length: lastStep + 1 }, (_, s) => lrAtStep(s));
      expect(lrs[lastStep]).toBeCloseTo(minLr, 12);
      expect(lrs[lastStep - 1]!).toBeGreaterThan(minLr);
      // Half-way through the budget the cosine is half-way down (warm-up long over).
      expect(lrs[lastStep / 2]).toBeCloseTo((settings.lr + minLr) / 2, 12);
      const peak = lrs.indexOf(Math.max(...lrs));
      expect(peak).toBe(Math.min(settings.warmupSteps - 1, lastStep));
    }
  });

  it("through the loop: a recipe's run warms up, then anneals to the end of its budget on its own clock", async () => {
    const recipe = recipeFor(150, TINY_SHAKESPEARE).settings;
    // Each clock read advances 400 ms of a 150 s budget; the fake engine stands in for the model.
    let t = 0;
    const calls: StepOptions[] = [];
    const validated: number[] = [];
    const result = await train(
      options(
        fresh(),
        {
          ...recipe,
          layers: 1,
          hidden: 4,
          embed: 3,
          seq: 8,
          batch: 4,
          warmupSteps: 5,
          valEvery: 0,
          sampleEvery: 0,
          checkpointEvery: 1000,
          now: () => (t += 400),
          onEvent: (e) => {
            if (e.type === "validation") validated.push(e.step);
          },
        },
        { calls },
      ),
    );
    expect(result.stopReason).toBe("time-budget");
    const lrs = calls.map((c) => c.lr);
    expect(lrs.length).toBeGreaterThan(20);
    for (let s = 1; s < 5; s++) expect(lrs[s]!).toBeGreaterThan(lrs[s - 1]!);
    for (let s = 6; s < lrs.length; s++) expect(lrs[s]!).toBeLessThanOrEqual(lrs[s - 1]!);
    // The last update ran in the budget's final stretch: near the cosine's floor (lr / 20).
    expect(lrs.at(-1)!).toBeLessThan(recipe.lr! / 10);
    // The budget ends an annealed run: its final weights are validated, not left for a resume.
    expect(validated.at(-1)).toBe(result.step);
    expect(result.bestStep).toBe(result.step);
  });

  it("the README's recipe table shows every row as the table holds it", () => {
    const readme = readFileSync(new URL("../../../../README.md", import.meta.url), "utf8");
    for (const row of RECIPES) {
      const s = row.settings;
      const line = readme.split("\n").find((l) => l.startsWith(`| ${row.name} |`));
      expect(line, row.name).toBeDefined();
      const cells = line!.split("|").map((c) => c.trim());
      expect(cells[4]).toBe(`${s.layers}×${s.hidden} ${s.cell!.toUpperCase()}`);
      expect(cells[5]).toBe(`${s.dropout} / ${s.inputDropout} / ${s.weightDrop}, ${s.dropoutMode}`);
      const decay = s.optimizer?.kind === "adam" ? (s.optimizer.weightDecay ?? 0) : 0;
      expect(cells[6]).toBe(`${decay}`);
      const schedule = mergeTrainOptions(s).lrSchedule;
      const floor = "minLr" in schedule && schedule.minLr ? `lr/${Math.round(s.lr! / schedule.minLr)}` : "0";
      expect(cells[7]).toBe(`${s.batch} × ${s.seq}, ${s.lr!.toExponential()}, ${schedule.kind} to ${floor}`);
      expect(cells[8]).toBe(row.tableRate.toLocaleString("en-US"));
      expect(cells[9]!.startsWith(row.status)).toBe(true);
    }
  });
});
