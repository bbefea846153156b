import { createRng } from "@charrnn/core";
import { initParams, type ModelConfig, zeroState } from "@charrnn/models";
import type { EngineOptions, OptimizerConfig, TrainBatch, TrainingEngine } from "../engine/types";
import { modelConfig } from "../loop/settings";
import { mergeTrainOptions } from "./merge-options";
import { RECIPES, type Recipe, recipeFor } from "./recipes";

/**
 * The machine the recipe table was measured on; every row's budget is seconds there. Machines of
 * the same kind trained the table's models at 37 to 54 % of its speed in a later session (the bigger
 * the model, the slower, mostly), and a GPU trains them far faster, so `charrnn train --time-budget` measures
 * how fast this machine trains a row's own model and picks the row for what the budget buys.
 */
export const TABLE_MACHINE = "2-core AMD EPYC, onnxruntime-node (ort engine), 2026-12-02";

/** The vocabulary the probes' output layer has: tiny Shakespeare's, which the table ran on. */
const PROBE_VOCAB = 65;

export interface Throughput {
  /** Training characters per second: the median timed step's. */
  charsPerSec: number;
  /** The fastest timed step's rate: what the engine does when nothing else takes the cores. */
  bestCharsPerSec: number;
  /** Timed steps, and seconds the whole probe took (engine start and warm-up step included). */
  steps: number;
  seconds: number;
}

export interface MeasureSpeedOptions {
  /** Keep timing steps until this many seconds of them (default 1), at least `minSteps`. */
  minSeconds?: number;
  /** At least this many timed steps (default 3). */
  minSteps?: number;
  /** At most this many timed steps (default 10). */
  maxSteps?: number;
  /** Milliseconds clock (default `performance.now`). */
  now?: () => number;
}

type CreateEngine = (options: EngineOptions) => Promise<TrainingEngine>;

/** What a probe trains: a model and its optimizer, on random windows of `batch` × `steps` tokens. */
export interface ProbeSetup {
  config: ModelConfig;
  optimizer: OptimizerConfig;
  batch: number;
  steps: number;
  lr: number;
  clip: number;
}

/**
 * Trains `setup`'s model for a few steps of random tokens on `createEngine`'s engine. One untimed
 * step first: the first step of a session allocates and plans. The rate is the median step's, so
 * one stalled step does not move it. The engine is disposed before this returns; nothing is
 * written. Undefined for the reference engine: a step of a recipe model takes it seconds.
 */
export async function measureSteps(
  createEngine: CreateEngine,
  setup: ProbeSetup,
  options: MeasureSpeedOptions = {},
): Promise<Throughput | undefined> {
  const now = options.now ?? (() => performance.now());
  const minSeconds = options.minSeconds ?? 1;
  const minSteps = options.minSteps ?? 3;
  const maxSteps = Math.max(options.maxSteps ?? 10, minSteps);
  const start = now();
  const { config, batch, steps } = setup;
  const vocab = config.vocabSize;
  const rng = createRng(1);
  const engine = await createEngine({
    config,
    params: initParams(config, rng),
    optimizer: setup.optimizer,
  });
  try {
    if (engine.name === "reference") return undefined;
    const n = batch * steps;
    const data: TrainBatch = { x: new Int32Array(n), y: new Int32Array(n), batch, steps };
    for (let i = 0; i < n; i++) {
      data.x[i] = rng.nextInt(vocab);
      data.y[i] = rng.nextInt(vocab);
    }
    let state = zeroState(config, batch);
    const times: number[] = [];
    let timed = 0;
    for (let i = 0; times.length < maxSteps; i++) {
      const t0 = now();
      const out = await engine.trainStep(data, state, { lr: setup.lr, clipNorm: setup.clip, dropoutSeed: i });
      state = out.state;
      if (i === 0) continue;
      times.push((now() - t0) / 1000);
      timed += times.at(-1)!;
      if (times.length >= minSteps && timed >= minSeconds) break;
    }
    const sorted = times.toSorted((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return {
      charsPerSec: n / median,
      bestCharsPerSec: n / sorted[0]!,
      steps: times.length,
      seconds: (now() - start) / 1000,
    };
  } finally {
    engine.dispose();
  }
}

/**
 * {@link measureSteps} on a recipe row's model (its cell, size, dropout, optimizer, batch and
 * window) with tiny Shakespeare's vocabulary, on the engine the run will use.
 */
export async function measureThroughput(
  createEngine: CreateEngine,
  recipe: Recipe,
  options: MeasureSpeedOptions = {},
): Promise<Throughput | undefined> {
  const settings = mergeTrainOptions(recipe.settings);
  const setup: ProbeSetup = {
    config: modelConfig(settings, PROBE_VOCAB),
    optimizer: settings.optimizer,
    batch: settings.batch,
    steps: settings.seq,
    lr: settings.lr,
    clip: settings.clip,
  };
  return measureSteps(createEngine, setup, options);
}

/** One row's probe: its rate here, and `speed`, that over the rate the table's machine trained it at. */
export interface RowSpeed extends Throughput {
  row: string;
  speed: number;
}

export interface MachineRecipe {
  recipe: Recipe;
  /** The probes in the order they ran (none on the reference engine). */
  probes: RowSpeed[];
  /** The chosen row's speed (1 when not measured), and the seconds all probes took. */
  speed: number;
  seconds: number;
}

/** At most this many rows are probed: the budget's row at the table's speed, then the rows it points to. */
const MAX_PROBES = 3;

/**
 * The recipe for a time budget on this machine: probes the row the budget picks at the table's speed
 * (`recipeFor`), then the row that row's measured speed points to (`recipeFor(budget, corpus,
 * speed)`), until a row points to itself. Rows' models slow down by different factors from machine
 * to machine, so each row is judged by its own speed; when two rows point to each other, the larger
 * is kept. The returned settings' budget is the one given; the caller takes `seconds` off it.
 */
export async function recipeForMachine(
  timeBudget: number,
  corpusChars: number,
  createEngine: CreateEngine,
  options: MeasureSpeedOptions = {},
): Promise<MachineRecipe> {
  let recipe = recipeFor(timeBudget, corpusChars);
  const probes: RowSpeed[] = [];
  let seconds = 0;
  for (;;) {
    const m = await measureThroughput(createEngine, recipe, options);
    if (m === undefined) return { recipe, probes, speed: 1, seconds };
    const speed = m.charsPerSec / recipe.tableRate;
    probes.push({ row: recipe.name, speed, ...m });
    seconds += m.seconds;
    const next = recipeFor(timeBudget, corpusChars, speed);
    if (next.name === recipe.name) return { recipe, probes, speed, seconds };
    const before = probes.find((p) => p.row === next.name);
    if (before !== undefined) {
      // Two rows point at each other: the budget falls between their ranges. The larger model won
      // where it was measured (900 s at 37–54 % of the table's speed: ten-minutes 1.4487, five-minutes
      // 1.4699, results/recipes/machine-speed.md): the smaller one overfits, given the extra time.
      const larger =
        rowIndex(next) > rowIndex(recipe) ? { recipe: next, speed: before.speed } : { recipe, speed };
      return { ...larger, probes, seconds };
    }
    if (probes.length >= MAX_PROBES) return { recipe, probes, speed, seconds };
    recipe = next;
  }
}

function rowIndex(recipe: Recipe): number {
  return RECIPES.findIndex((r) => r.name === recipe.name);
}
