import type { ModelConfig, RnnState } from "@charrnn/models";
import { describe, expect, it } from "vitest";
import type { EngineOptions, TrainBatch, TrainingEngine } from "../engine/types";
import { measureThroughput, recipeForMachine } from "./machine-speed";
import { RECIPES, type Recipe, recipeFor } from "./recipes";

const TINY_SHAKESPEARE = 1_115_394;
const row = (name: string): Recipe => RECIPES.find((r) => r.name === name)!;
const chars = (r: Recipe) => r.settings.batch! * r.settings.seq!;

/**
 * Engines whose steps take `stepSeconds(model, step index)` seconds of one fake clock,
 * recording the configs they were made with, the steps taken and whether each was disposed.
 */
function clockedEngines(stepSeconds: (config: ModelConfig, i: number) => number, name = "clocked") {
  let ms = 0;
  const made: EngineOptions[] = [];
  let steps = 0;
  let disposed = 0;
  const createEngine = async (options: EngineOptions): Promise<TrainingEngine> => {
    made.push(options);
    ms += 500; // engine start
    let i = 0;
    return {
      name,
      backend: "fake",
      config: options.config,
      async trainStep(batch: TrainBatch, state: RnnState) {
        expect(state).toMatchObject({ batch: batch.batch, hidden: options.config.hidden });
        steps++;
        ms += stepSeconds(options.config, i++) * 1000;
        return { loss: 4, gradNorm: 1, state };
      },
      dispose: () => {
        disposed++;
      },
    } as unknown as TrainingEngine;
  };
  return { createEngine, made, now: () => ms, steps: () => steps, disposed: () => disposed };
}

describe("measureThroughput", () => {
  it("trains the row's own model, times the median step after an untimed one, and disposes the engine", async () => {
    const fifteen = row("fifteen-minutes");
    // 3 s for the planning step, then 0.2 s, a 5 s stall and 0.1 s: the median ignores the first two.
    const e = clockedEngines((_, i) => (i === 0 ? 3 : i === 2 ? 5 : i === 3 ? 0.1 : 0.2));
    const m = (await measureThroughput(e.createEngine, fifteen, { now: e.now, minSeconds: 1 }))!;
    expect(e.made[0]!.config).toMatchObject({ cell: "gru", layers: 2, hidden: 512, dropoutMode: "locked" });
    expect(e.made[0]!.optimizer).toEqual(fifteen.settings.optimizer);
    expect(m.charsPerSec).toBeCloseTo(chars(fifteen) / 0.2, 6);
    expect(m.bestCharsPerSec).toBeCloseTo(chars(fifteen) / 0.1, 6);
    // Timed steps until 1 s of them (at least 3): 0.2 + 5 passes it at the 2nd, so 3.
    expect(m.steps).toBe(3);
    expect(e.steps()).toBe(4);
    // The whole probe: engine start, the untimed step and the timed ones.
    expect(m.seconds).toBeCloseTo(0.5 + 3 + 0.2 + 5 + 0.1, 9);
    expect(e.disposed()).toBe(1);
  });

  it("stops at maxSteps on a fast engine; disposes the engine when a step throws", async () => {
    const e = clockedEngines(() => 0.01);
    const m = (await measureThroughput(e.createEngine, row("quick"), {
      now: e.now,
      minSeconds: 100,
      maxSteps: 5,
    }))!;
    expect(m.steps).toBe(5);
    let disposed = false;
    const failing = async (options: EngineOptions) =>
      ({
        config: options.config,
        trainStep: async () => {
          throw new Error("kernel failed");
        },
        dispose: () => {
          disposed = true;
        },
      }) as unknown as TrainingEngine;
    await expect(measureThroughput(failing, row("quick"))).rejects.toThrow("kernel failed");
    expect(disposed).toBe(true);
  });

  it("does not time the reference engine", async () => {
    const e = clockedEngines(() => 10, "reference");
    expect(await measureThroughput(e.createEngine, row("quick"), { now: e.now })).toBeUndefined();
    expect(e.steps()).toBe(0);
    expect(e.disposed()).toBe(1);
  });
});

/**
 * Step seconds that give each tiny-Shakespeare-sized row's model `speed(hidden)` × its table rate
 * (the first row in table order that such a corpus can get with that model).
 */
const atSpeed = (speed: (hidden: number) => number) => (config: ModelConfig) => {
  const r = RECIPES.find(
    (x) =>
      x.maxCorpus >= TINY_SHAKESPEARE &&
      x.settings.hidden === config.hidden &&
      (x.settings.cell ?? "lstm") === config.cell,
  )!;
  return chars(r) / (r.tableRate * speed(config.hidden));
};

describe("recipeForMachine", () => {
  it("keeps the budget's row on a machine as fast as the table's, after one probe", async () => {
    const e = clockedEngines(atSpeed(() => 1));
    const found = await recipeForMachine(900, TINY_SHAKESPEARE, e.createEngine, { now: e.now });
    expect(found.recipe.name).toBe("fifteen-minutes");
    expect(found.probes.map((p) => p.row)).toEqual(["fifteen-minutes"]);
    expect(found.speed).toBeCloseTo(1, 9);
    expect(found.recipe.settings.timeBudget).toBe(900);
    expect(found.seconds).toBeCloseTo(found.probes[0]!.seconds, 9);
  });

  it("judges each row by its own model's speed: bigger models slowing more move the pick", async () => {
    // The slower machine of 2026-12-03 (median step rates of 900-s runs): the 2×512 at 0.37 of the
    // table's rate, the 2×384 at 0.366, the 2×256 at 0.535.
    const speed = (fifteen: number) => (h: number) => (h >= 512 ? fifteen : h >= 384 ? 0.366 : 0.535);
    const e = clockedEngines(atSpeed(speed(0.37)));
    const found = await recipeForMachine(900, TINY_SHAKESPEARE, e.createEngine, { now: e.now });
    // fifteen: 900 s × 0.37 = 333 s → ten-minutes; ten: × 0.366 = 329 s → five-minutes; five: × 0.535
    // = 481 s → ten-minutes again: the two point at each other, and the larger is kept.
    expect(found.probes.map((p) => p.row)).toEqual(["fifteen-minutes", "ten-minutes", "five-minutes"]);
    expect(found.recipe.name).toBe("ten-minutes");
    expect(found.speed).toBeCloseTo(0.366, 9);
    expect(found.seconds).toBeCloseTo(
      found.probes.reduce((sum, p) => sum + p.seconds, 0),
      9,
    );
    expect(e.disposed()).toBe(3);
    // A slower first probe (0.35: 315 s → five-minutes) gets there too, by five and then ten.
    const noisy = clockedEngines(atSpeed(speed(0.35)));
    const again = await recipeForMachine(900, TINY_SHAKESPEARE, noisy.createEngine, { now: noisy.now });
    expect(again.probes.map((p) => p.row)).toEqual(["fifteen-minutes", "five-minutes", "ten-minutes"]);
    expect(again.recipe.name).toBe("ten-minutes");
    // Where the ten-minutes model keeps more of its speed, it points at itself: two probes.
    const steady = clockedEngines(atSpeed((h) => (h >= 512 ? 0.37 : 0.45)));
    const two = await recipeForMachine(900, TINY_SHAKESPEARE, steady.createEngine, { now: steady.now });
    expect(two.probes.map((p) => p.row)).toEqual(["fifteen-minutes", "ten-minutes"]);
    expect(two.recipe.name).toBe("ten-minutes");
  });

  it("keeps the larger of two rows that point at each other, with its own speed", async () => {
    // fifteen at 0.6 → 540 s → ten-minutes; ten at 0.7 → 630 s → fifteen-minutes.
    const e = clockedEngines(atSpeed((h) => (h >= 512 ? 0.6 : 0.7)));
    const found = await recipeForMachine(900, TINY_SHAKESPEARE, e.createEngine, { now: e.now });
    expect(found.probes.map((p) => p.row)).toEqual(["fifteen-minutes", "ten-minutes"]);
    expect(found.recipe.name).toBe("fifteen-minutes");
    expect(found.speed).toBeCloseTo(0.6, 9);
  });

  it("moves up on a fast machine: a GPU gets the hour row in a 150 s budget", async () => {
    const e = clockedEngines(atSpeed(() => 40));
    const found = await recipeForMachine(150, TINY_SHAKESPEARE, e.createEngine, { now: e.now });
    expect(found.probes.map((p) => p.row)).toEqual(["quick", "hour"]);
    expect(found.recipe.name).toBe("hour");
    expect(found.recipe.settings.timeBudget).toBe(150);
  });

  it("takes the table's row on the reference engine, unprobed", async () => {
    const e = clockedEngines(() => 10, "reference");
    const found = await recipeForMachine(900, TINY_SHAKESPEARE, e.createEngine, { now: e.now });
    expect(found).toMatchObject({ probes: [], speed: 1, seconds: 0 });
    expect(found.recipe.name).toBe("fifteen-minutes");
  });
});

describe("recipeFor at a machine speed", () => {
  it("picks the row for what the budget buys on the table's machine, keeping the budget", () => {
    expect(recipeFor(900, TINY_SHAKESPEARE, 1).name).toBe("fifteen-minutes");
    const slow = recipeFor(900, TINY_SHAKESPEARE, 0.3);
    expect(slow.name).toBe("five-minutes");
    expect(slow.settings.timeBudget).toBe(900);
    expect(recipeFor(900, TINY_SHAKESPEARE, 0.43).name).toBe("ten-minutes");
    expect(recipeFor(150, TINY_SHAKESPEARE, 50).name).toBe("hour");
    expect(recipeFor(3600, 100_000, 0.1).name).toBe("small-long");
    expect(recipeFor(3600, 100_000, 0.05).name).toBe("small-short");
  });

  it("refuses a speed that is not a number > 0", () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => recipeFor(900, TINY_SHAKESPEARE, bad)).toThrow(/machineSpeed must be a number > 0/);
    }
  });

  it("every row has the rate the table's machine trained its model at", () => {
    for (const r of RECIPES) expect(r.tableRate, r.name).toBeGreaterThan(1000);
  });
});
