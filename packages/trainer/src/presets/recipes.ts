import { CharrnnRangeError } from "@charrnn/core";
import type { LrScheduleConfig } from "../schedule/lr-schedule";
import { PRESETS, type TrainPreset } from "./presets";

/**
 * A row of the time-budget recipe table: the settings `charrnn train --time-budget SEC` starts from
 * when no preset or config file is given, for budgets up to `maxBudget` seconds on the table's
 * machine (`TABLE_MACHINE`; see `recipeFor`) and corpora up to `maxCorpus` characters (bytes of the
 * corpus files, as the CLI measures them before reading).
 */
export interface Recipe {
  /** Row name, printed in the run's first line and kept in the README table. */
  name: string;
  maxBudget: number;
  maxCorpus: number;
  /**
   * `measured`: this configuration's loss was measured on a corpus of its size (see `evidence`:
   * tiny Shakespeare, its first 250 k characters, or the 10.8 M-character State of the Union corpus);
   * `untested`: a starting point scaled from the measured rows, not yet run at its budget.
   */
  status: "measured" | "untested";
  /** What was measured (command, loss, budget) or what the row was scaled from. */
  evidence: string;
  /**
   * Characters per second the table's machine trained this row's model at: the median of the rates
   * its measured run logged every 10 steps (validation excluded), which `recipeForMachine` compares
   * a probe of the model with. Rows not run there (the small-corpus and untested rows): the rate of
   * the measured row nearest in model, times the ratio of the two models' probe rates measured in
   * turns on one machine (scripts/table-rates.mjs, results/recipes/untested-rates.json).
   */
  tableRate: number;
  settings: TrainPreset;
}

/**
 * Tokens a recipe's validations score at most (`valMaxTokens`): a little over tiny Shakespeare's
 * tenth (111,540), which the rows' validation cadences were measured with and which is still scored
 * whole. A 10 MB corpus's tenth, scored whole, would cost a 2×512 row about a minute a validation on
 * a 2-core machine at half the table's speed: a third of a 15-minute budget at the 2×512 rows' cadence
 * (large-short validated 5 times in 900 s on 10.8 M characters).
 */
export const RECIPE_VAL_TOKENS = 120_000;

/** The recipes' default schedule for base rate `lr`: a cosine down to lr/20. */
export function recipeCosine(lr: number): LrScheduleConfig {
  return { kind: "cosine", minLr: lr / 20 };
}

/**
 * Every recipe anneals to the end of its budget: a linear warm-up, then a cosine to lr/20 (or the
 * row's own cosine or linear schedule) that ends where the time budget does. The loop measures its
 * own steps per second as it goes (`runProgress`), so the curve ends on time on any machine. Epochs
 * are set high so the budget, not the epoch count, ends the run. Validations score at most
 * `RECIPE_VAL_TOKENS` tokens, since they are paid for out of the budget.
 */
function recipe(settings: TrainPreset): TrainPreset {
  return {
    cell: "lstm",
    input: "embedding",
    layout: "stream",
    optimizer: { kind: "adam" },
    clip: 5,
    epochs: 1000,
    dropoutMode: "step",
    valMaxTokens: RECIPE_VAL_TOKENS,
    lrSchedule: recipeCosine(settings.lr ?? 2e-3),
    ...settings,
  };
}

/**
 * The model, batch, window, lr and validation/checkpoint cadence of a measured preset: a row that
 * reuses a preset's configuration reads it from the preset instead of restating it.
 */
function presetModel(name: "quickstart"): TrainPreset {
  const p = PRESETS[name]!;
  return {
    layers: p.layers,
    hidden: p.hidden,
    embed: p.embed,
    dropout: p.dropout ?? 0,
    seq: p.seq,
    batch: p.batch,
    lr: p.lr,
    valEvery: p.valEvery,
    checkpointEvery: p.checkpointEvery,
  };
}

const SMALL = 300_000;
const MEDIUM = 5_000_000;

/**
 * The table, rows in lookup order: the first row whose budget and corpus bounds both hold wins.
 * Corpus sizes: small (≤ 300 k chars, where a big model overfits), medium (≤ 5 M chars; tiny
 * Shakespeare is 1.1 M), large. The rows up to ten minutes serve medium and large corpora alike:
 * on a large one (results/recipes/large-corpus.md) each beat the large-corpus row at its budget,
 * as they had on tiny Shakespeare, since in that time neither corpus is seen much more than once.
 * Budgets in seconds. Findings of `scripts/recipe-search.mjs` replace rows here; the README's table
 * shows them (a test keeps the two in step).
 */
export const RECIPES: readonly Recipe[] = [
  {
    name: "small-short",
    maxBudget: 300,
    maxCorpus: SMALL,
    status: "measured",
    tableRate: 45_248, // 0.919 × quick's (estimated: scripts/table-rates.mjs)
    evidence:
      "1.4648 nats/char in 300 s on a corpus of 250 k characters (the first 250,000 of tiny Shakespeare; 3,820 steps at 0.60 × the table machine's speed, what 180 s buy there; 2-core AMD EPYC, 2026-12-03; results/recipes/small-corpus.md), where small-long reached 1.4793, five-minutes 1.4988 and quick 1.5259 (the last two without dropout, overfitting); its range ends at 300 s, no longer 600, since in 600 s there (what 336 to 396 s buy on the table's machine) small-long reached 1.4504 and this row 1.4767, and in 900 s 1.4258 and 1.4799 (best at step 2,500 of 15,790)",
    settings: recipe({
      cell: "gru",
      layers: 2,
      hidden: 128,
      embed: 48,
      dropout: 0.1,
      inputDropout: 0,
      weightDrop: 0,
      seq: 64,
      batch: 32,
      lr: 3e-3,
      warmupSteps: 50,
      valEvery: 100,
      checkpointEvery: 200,
    }),
  },
  {
    name: "small-long",
    maxBudget: Number.POSITIVE_INFINITY,
    maxCorpus: SMALL,
    status: "measured",
    tableRate: 21_307, // 0.903 × five-minutes' (estimated: scripts/table-rates.mjs)
    evidence:
      "1.4258 nats/char in 900 s on a corpus of 250 k characters (the first 250,000 of tiny Shakespeare; 3,310 steps, 47 passes over it, at 0.57 × the table machine's speed, what 513 s buy there; 2-core AMD EPYC, 2026-12-03; results/recipes/small-corpus.md), where ten-minutes, a medium corpus's row for such a budget, reached 1.4681 (best at step 300, then overfitting) and small-short 1.4799; in 600 s 1.4504 against small-short's 1.4767; the five-minutes model with heavy dropout and weight drop, as a small corpus is seen many times over",
    settings: recipe({
      cell: "gru",
      layers: 2,
      hidden: 256,
      embed: 64,
      dropout: 0.3,
      inputDropout: 0.1,
      weightDrop: 0.2,
      seq: 100,
      batch: 32,
      lr: 2e-3,
      warmupSteps: 100,
      valEvery: 200,
      checkpointEvery: 300,
    }),
  },
  {
    name: "quick",
    maxBudget: 180,
    maxCorpus: Number.POSITIVE_INFINITY,
    status: "measured",
    tableRate: 49_236,
    evidence:
      "1.527 nats/char on tiny Shakespeare in 150 s (3,191 steps, 43,327 chars/s, 2-core AMD EPYC, 2026-12-02; results/recipes): the quickstart preset's width, batch and window with GRU cells under this row's cosine schedule; with LSTM cells the same hour 1.609 (2,862 steps; 1.581 in 3,515 steps on 2026-12-01); on a large corpus (the State of the Union addresses, 10.8 M characters; 2026-12-03, results/recipes/large-corpus.md) 1.4621 in 300 s at 0.62 × the table machine's speed (what 186 s buy there), where five-minutes reached 1.4741 and large-short 1.5701",
    settings: recipe({
      ...presetModel("quickstart"),
      cell: "gru",
      inputDropout: 0,
      weightDrop: 0,
      warmupSteps: 50,
      sampleEvery: 200,
    }),
  },
  {
    name: "five-minutes",
    maxBudget: 330,
    maxCorpus: Number.POSITIVE_INFINITY,
    status: "measured",
    tableRate: 23_596,
    evidence:
      "1.459 nats/char on tiny Shakespeare in 300 s (1,950 steps, 20,756 chars/s, 2-core AMD EPYC, 2026-12-02; results/recipes), 1.4643 on a 2-core Intel Xeon with AMX probed at 0.99× (2,162 steps, 2026-12-05; results/recipes/bf16-runs.md), where the torch engine in bf16 probed this row's model at 1.46× and bought the ten-minutes row: 1.4534; with LSTM cells 1.492 (1,917 steps), at lr 3e-3 1.515, a 2×320 LSTM at lr 3e-3 1.496; its range ends at 330 s since on a slower machine (2026-12-03, results/recipes/machine-speed.md), where 900 s bought this row what 481 s buy here and the ten-minutes row what 329 s buy here, the ten-minutes row reached 1.4487 in 900 s and this one 1.4699; on the large corpus 1.4741 in 300 s (quick: 1.4621) and 1.3482 in 900 s at 0.82 × the table machine's speed (738 s there), where ten-minutes reached 1.3407 and large-short 1.3490",
    settings: recipe({
      cell: "gru",
      layers: 2,
      hidden: 256,
      embed: 64,
      dropout: 0,
      inputDropout: 0,
      weightDrop: 0,
      seq: 100,
      batch: 32,
      lr: 4e-3,
      warmupSteps: 50,
      valEvery: 150,
      checkpointEvery: 300,
    }),
  },
  {
    name: "ten-minutes",
    maxBudget: 600,
    maxCorpus: Number.POSITIVE_INFINITY,
    status: "measured",
    tableRate: 21_562,
    evidence:
      "1.4457 nats/char on tiny Shakespeare in 600 s (1,914 steps at 20,000 chars/s, 2-core AMD EPYC, 2026-12-02; results/recipes), flat over its last 250 steps: the 2×384 that reached 1.438 in 15 min as an LSTM, with GRU cells; on a slower machine (2026-12-03, at 37 % of this one's speed for this model) 1.4487 in 900 s (1,050 steps; 1.4510 as the row `--time-budget 900` picked there, after 18 s of speed probes), where the five-minutes row reached 1.4699 and the fifteen-minutes row 1.4895 (results/recipes/machine-speed.md); on the large corpus (results/recipes/large-corpus.md) 1.3407 in 900 s at 0.55 × (495 s there), where five-minutes reached 1.3482, large-short 1.3490 and fifteen-minutes 1.3812 (its dropout costs more than it saves in one pass over the corpus); in 1200 s, in a slower machine state (0.36 ×, 432 s there), 1.3542 against large-short's 1.3423",
    settings: recipe({
      cell: "gru",
      layers: 2,
      hidden: 384,
      embed: 64,
      dropout: 0.2,
      inputDropout: 0,
      weightDrop: 0,
      seq: 100,
      batch: 64,
      lr: 4e-3,
      warmupSteps: 100,
      valEvery: 150,
      checkpointEvery: 300,
    }),
  },
  {
    name: "fifteen-minutes",
    maxBudget: 1800,
    maxCorpus: MEDIUM,
    status: "measured",
    tableRate: 12_187,
    evidence:
      "1.4250 nats/char on tiny Shakespeare in 900 s (3,246 steps at 11,489 chars/s, 2-core AMD EPYC, 2026-12-02; results/recipes): the 2×512 GRU with locked dropout masks and batch 32, annealed by a cosine to lr/20; the linear decay to 0 replaced the cosine after runs of 3,000 steps with one seed (on a machine at 43 % of that speed; results/recipes/step-matched.md): 1.4202 against the cosine's 1.4232, and 1.4979 against 1.4993 over 1,000 steps; AdamW weight decay 0.3 in place of 0.1 then took the same 3,000 steps to 1.4143 (decay 0.2: 1.4180; 0.5: 1.4202; lr 4e-3: 1.4195; clip 1: 1.4193), but 2,000 steps to 1.4391 against 1.4374 and 1,000 to 1.5087 against 1.4979, so it suits machines where the row makes 2,500 steps or more; at the budget as it is now 1.4043 (the same by `charrnn eval`) in 3,587 steps at 12,805 chars/s on the torch engine with --precision bf16 (2-core Intel Xeon with AMX, probed at 0.98×, 2026-12-04; results/recipes/bf16-runs.md) and 1.4038 with seed 7, where the ort engine trains it at 8,038 and the plain command made 2,234 steps to 1.4282; at batch 64 with locked masks 1.4259 (1,562 steps at 11,052 chars/s, the same hour), with masks per time step 1.4266, 1.4322 and 1.4379 in earlier runs (1,555, 1,409 and 1,229 steps); locked masks ran 8 % faster (13,769 against 12,756 chars/s over 60 steps, one after the other); rerun as this row on a slower machine state 1.4247 (2,872 steps at 10,170 chars/s); at batch 32 more regularisation lost (dropout 0.35 / input 0.1: 1.439; weight drop 0.15: 1.444)",
    settings: recipe({
      cell: "gru",
      layers: 2,
      hidden: 512,
      embed: 64,
      dropout: 0.3,
      inputDropout: 0.05,
      weightDrop: 0,
      dropoutMode: "locked",
      optimizer: { kind: "adam", weightDecay: 0.3 },
      seq: 100,
      batch: 32,
      lr: 3e-3,
      lrSchedule: { kind: "linear", minLr: 0 },
      warmupSteps: 100,
      valEvery: 300,
      checkpointEvery: 300,
    }),
  },
  {
    name: "hour",
    maxBudget: Number.POSITIVE_INFINITY,
    maxCorpus: MEDIUM,
    status: "measured",
    // 7,824 as measured with per-step masks, × 1.06: the median rate of its model with locked masks
    // over per-step ones, probed in turns (4 rounds: 0.98–1.11; 2-core AMD EPYC, 2026-12-03).
    tableRate: 8_290,
    evidence:
      "1.4053 nats/char on tiny Shakespeare (the same by `charrnn eval`), best at 56 of 60 min (4,216 steps at 7,482 chars/s, 2-core AMD EPYC, 2026-12-02; results/recipes) with per-step masks, AdamW 0.1 and a cosine to lr/20; the 15-minute row's locked masks, AdamW 0.3 and linear decay to 0 then took the same 4,216 steps with the same seed to 1.3986 (the same by `charrnn eval`; on a machine at about 40 % of that speed; results/recipes/step-matched.md); at the budget as it is now 1.4045 (3,712 steps at 6,608 chars/s, 2-core Intel Xeon probed at 0.78×, 2026-12-04; results/recipes/hour-runs.md), and 1.3898 (`charrnn eval`: 1.3898) in 7,390 steps at 13,152 chars/s on the torch engine with --precision bf16 on that machine (its AMX multiplying bfloat16; probed at 1.70×; results/recipes/bf16-runs.md), and 1.3800 (`charrnn eval`: 1.3801) in 7,858 steps with seed 7 the next day (probed at 1.76×); at batch 32 over the 7,370 steps that take the time of those 4,216 (0.874 of the batch-64 rate): 1.4036 (2-core Intel Xeon, 2026-12-04; results/recipes/hour-runs.md); with its window cuts moved each epoch (layout shifted) 1.4021 in 3,931 steps at the budget on a faster state of that machine, level with fixed cuts at equal steps; as a 2×640 LSTM with moved cuts 1.4039 (2,545 steps, 0.71 of the 2×512's rate); without weight drop (dropout 0.5/0.1): 1.4122 by `charrnn eval` (1.4151 as it validated then, in 64 streams), best at 31 min and flat after while training loss kept falling (5,400 steps); dropout 0.4/0.05 at lr 2e-3 without weight decay: 1.4288, then overfitting; a 2×768 GRU (dropout 0.5/0.1, AdamW 0.1, lr 2.5e-3) was at 1.519 after 18 min where the row was at 1.447, and was stopped",
    settings: recipe({
      layers: 2,
      hidden: 512,
      embed: 64,
      dropout: 0.4,
      inputDropout: 0.1,
      weightDrop: 0.3,
      dropoutMode: "locked",
      optimizer: { kind: "adam", weightDecay: 0.3 },
      seq: 100,
      batch: 64,
      lr: 3e-3,
      lrSchedule: { kind: "linear", minLr: 0 },
      warmupSteps: 200,
      valEvery: 200,
      checkpointEvery: 400,
    }),
  },
  {
    name: "large-short",
    maxBudget: 1800,
    maxCorpus: Number.POSITIVE_INFINITY,
    status: "untested",
    tableRate: 12_479, // 1.024 × fifteen-minutes' (estimated: scripts/table-rates.mjs)
    evidence:
      "a big corpus is seen about once in a short budget, so no dropout: the fifteen-minutes model (2×512 GRU) without it; picked from 600 s on, as the rows up to ten minutes won below (results/recipes/large-corpus.md); not run inside its range: on the 10.8 M-character State of the Union corpus 1.3490 in 900 s at 0.51 × the table machine's speed (459 s there; ten-minutes 1.3407, five-minutes 1.3482) and 1.3423 in 1200 s at 0.40 × (480 s there; ten-minutes 1.3542), 1.5701 in 300 s (quick 1.4621)",
    settings: recipe({
      cell: "gru",
      layers: 2,
      hidden: 512,
      embed: 64,
      dropout: 0,
      inputDropout: 0,
      weightDrop: 0,
      seq: 100,
      batch: 64,
      lr: 3e-3,
      warmupSteps: 100,
      valEvery: 200,
      checkpointEvery: 300,
    }),
  },
  {
    name: "large-long",
    maxBudget: Number.POSITIVE_INFINITY,
    maxCorpus: Number.POSITIVE_INFINITY,
    status: "untested",
    tableRate: 5_066, // 0.647 × hour's 7,824 with per-step masks (estimated: scripts/table-rates.mjs)
    evidence: "3×512 with light dropout for long runs over a big corpus",
    settings: recipe({
      layers: 3,
      hidden: 512,
      embed: 64,
      dropout: 0.1,
      inputDropout: 0,
      weightDrop: 0,
      seq: 100,
      batch: 64,
      lr: 2e-3,
      warmupSteps: 200,
      valEvery: 300,
      checkpointEvery: 600,
    }),
  },
];

/**
 * The recipe for a time budget (seconds, > 0) and a corpus size (characters) on a machine `speed`
 * times as fast as the table's (`TABLE_MACHINE`; `recipeForMachine` measures it): the first
 * row of {@link RECIPES} that fits `timeBudget · speed` seconds there and the corpus, its settings
 * with `timeBudget` set to the budget. Rows are keyed by what a budget buys, not by its seconds: a
 * machine at half the table's speed gets in 900 s the row the table found best for 450 s.
 */
export function recipeFor(timeBudget: number, corpusChars: number, speed = 1): Recipe {
  if (!(timeBudget > 0 && Number.isFinite(timeBudget))) {
    throw new CharrnnRangeError("timeBudget", "a number of seconds > 0 to pick a recipe", timeBudget);
  }
  if (!(corpusChars >= 0 && Number.isFinite(corpusChars))) {
    throw new CharrnnRangeError("corpusChars", "a finite number ≥ 0", corpusChars);
  }
  if (!(speed > 0 && Number.isFinite(speed))) {
    throw new CharrnnRangeError("machineSpeed", "a number > 0 (1 = the recipe table's machine)", speed);
  }
  const tableSeconds = timeBudget * speed;
  const row = RECIPES.find((r) => tableSeconds <= r.maxBudget && corpusChars <= r.maxCorpus);
  // The last row has no bounds, so a row always fits.
  const found = row ?? RECIPES.at(-1)!;
  return { ...found, settings: { ...structuredClone(found.settings), timeBudget } };
}
