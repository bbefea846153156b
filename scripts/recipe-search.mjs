// Finds the time-budget recipes by measurement (issue 19). For each budget it trains the recipe the
// table picks today and one-change-at-a-time variants of it (width, depth, the other cell, dropout, input
// dropout, weight drop, AdamW weight decay, learning rate, batch, window, clipping, schedule,
// warm-up), each for the full budget, and records every run's validation curve and losses in
// results.json and results.md, plus one chart per budget (charrnn plot). It runs for hours and is not
// part of the test suite.
// Resumable: runs already in results.json are skipped; a run cut short is started again from scratch
// (resuming would give it a fresh budget). Build the CLI first: `pnpm build`.
//
//   node scripts/recipe-search.mjs [--data FILE] [--budgets 300,900,3600] [--out DIR]
//                                  [--only TEXT] [--engine NAME] [--list]
//
// Not searched: weight tying (the models have no tied output layer; see the README's recipes section).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "apps/cli/dist/charrnn.js");
const { values: args } = parseArgs({
  options: {
    data: { type: "string", default: join(root, "test-fixtures/tinyshakespeare.txt") },
    budgets: { type: "string", default: "300,900,3600" },
    out: { type: "string", default: join(root, "results/recipe-search") },
    only: { type: "string" },
    engine: { type: "string", default: "auto" },
    list: { type: "boolean", default: false },
  },
});

// The recipe table through the CLI's own dependency, so the script reads the one built copy.
const trainerEntry = createRequire(join(root, "apps/cli/package.json")).resolve("@charrnn/trainer");
const { recipeCosine, recipeFor, mergeTrainOptions } = await import(pathToFileURL(trainerEntry).href);

const budgets = args.budgets.split(",").map((b) => {
  const n = Number(b);
  if (!(n > 0)) fail(`--budgets ${args.budgets}: give seconds > 0, comma-separated`);
  return n;
});
if (!existsSync(args.data)) fail(`--data ${args.data} does not exist`);
const corpusChars = statSync(args.data).size;

/** The row's schedule with its floor scaled along with its rate, so an lr variant changes only the rate. */
function scaledFloor(schedule, factor) {
  return { ...schedule, minLr: (schedule.minLr ?? 0) * factor };
}

/** One-change variants of a recipe's settings: [id suffix, description, settings patch]. */
function variants(s) {
  const round64 = (n) => Math.max(64, Math.round(n / 64) * 64);
  const out = [
    ["recipe", "the table's row as it is", {}],
    ["narrow", `hidden ${round64(s.hidden * 0.5)}`, { hidden: round64(s.hidden * 0.5) }],
    ["wide", `hidden ${round64(s.hidden * 1.5)}`, { hidden: round64(s.hidden * 1.5) }],
    ["deep", `${s.layers + 1} layers`, { layers: s.layers + 1 }],
    s.cell === "gru"
      ? ["lstm", "LSTM cells (4 gates to the GRU's 3: a third more FLOPs per unit)", { cell: "lstm" }]
      : ["gru", "GRU cells (3 gates to the LSTM's 4: a quarter fewer FLOPs per unit)", { cell: "gru" }],
    ["no-dropout", "dropout 0", { dropout: 0 }],
    ["more-dropout", `dropout ${round2(s.dropout + 0.1)}`, { dropout: round2(s.dropout + 0.1) }],
    ["input-dropout", "input dropout 0.1", { inputDropout: 0.1 }],
    s.weightDrop > 0
      ? ["no-weight-drop", "weight drop 0", { weightDrop: 0 }]
      : ["weight-drop", "weight drop 0.2 (DropConnect on the recurrent weights)", { weightDrop: 0.2 }],
    s.dropoutMode === "locked"
      ? ["step-dropout", "dropout masks drawn per time step", { dropoutMode: "step" }]
      : ["locked-dropout", "locked dropout masks (one per stream and window)", { dropoutMode: "locked" }],
    ["adamw-0.01", "AdamW weight decay 0.01", { optimizer: { kind: "adam", weightDecay: 0.01 } }],
    ["adamw-0.1", "AdamW weight decay 0.1", { optimizer: { kind: "adam", weightDecay: 0.1 } }],
    ["lr-half", `lr ${s.lr / 2}`, { lr: s.lr / 2, lrSchedule: scaledFloor(s.lrSchedule, 0.5) }],
    ["lr-double", `lr ${s.lr * 2}`, { lr: s.lr * 2, lrSchedule: scaledFloor(s.lrSchedule, 2) }],
    ["batch-half", `batch ${s.batch / 2}`, { batch: s.batch / 2 }],
    ["seq-long", `seq ${s.seq * 2}`, { seq: s.seq * 2 }],
    ["clip-1", "clip 1", { clip: 1 }],
    ["no-warmup", "no warm-up", { warmupSteps: 0 }],
    s.lrSchedule.kind === "linear"
      ? ["cosine-lr", "cosine to lr/20 (in place of the linear decay)", { lrSchedule: recipeCosine(s.lr) }]
      : [
          "linear-lr",
          "linear decay to 0 (in place of the cosine)",
          { lrSchedule: { kind: "linear", minLr: 0 } },
        ],
    ["constant-lr", "constant lr (no annealing)", { lrSchedule: { kind: "constant" }, warmupSteps: 0 }],
    ["plateau", "plateau ×0.5, patience 1", { lrSchedule: { kind: "plateau", factor: 0.5, patience: 1 } }],
  ];
  return out;
}

const resultsFile = join(args.out, "results.json");
mkdirSync(args.out, { recursive: true });
const results = existsSync(resultsFile)
  ? JSON.parse(readFileSync(resultsFile, "utf8"))
  : {
      machine: `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      corpus: args.data,
      corpusChars,
      runs: [],
    };

const plan = budgets.flatMap((budget) => {
  const recipe = recipeFor(budget, corpusChars);
  return variants(mergeTrainOptions(recipe.settings)).map(([name, change, patch]) => ({
    id: `${budget}s-${name}`,
    budget,
    recipe: recipe.name,
    change,
    settings: { ...mergeTrainOptions(recipe.settings, undefined, patch), timeBudget: budget },
  }));
});
// A run counts as done once it has a validation curve; one without (failed, or cut short before its
// first validation) runs again and replaces its entry.
const done = (id) => results.runs.some((r) => r.id === id && r.curve.length > 0);
const todo = plan.filter((p) => args.only === undefined || p.id.includes(args.only));
if (args.list) {
  for (const p of todo) {
    console.log(`${done(p.id) ? "done" : "todo"}  ${p.id.padEnd(22)} ${p.recipe.padEnd(16)} ${p.change}`);
  }
  const hours = todo.reduce((t, p) => t + p.budget, 0) / 3600;
  console.log(`${todo.length} runs, ${hours.toFixed(1)} h of training`);
  process.exit(0);
}
if (!existsSync(cli)) fail(`${cli} is missing; build the CLI first (pnpm build)`);

for (const p of todo) {
  if (done(p.id)) continue;
  results.runs = results.runs.filter((r) => r.id !== p.id);
  const runDir = join(args.out, "runs", p.id);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const config = join(args.out, "runs", `${p.id}.json`);
  writeFileSync(config, `${JSON.stringify(p.settings, null, 2)}\n`);
  console.log(`\n== ${p.id}: ${p.change} (${p.budget} s)`);
  const started = new Date().toISOString();
  const train = spawnSync(
    process.execPath,
    [cli, "train", "--data", args.data, "--out", runDir, "--config", config, "--engine", args.engine],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  if (train.status !== 0) {
    console.log(`${p.id}: training failed (exit ${train.status}); recorded as failed`);
  }
  const curve = readCurve(join(runDir, "metrics.jsonl"));
  const losses = curve.map((c) => c[2]);
  results.runs.push({
    id: p.id,
    budget: p.budget,
    recipe: p.recipe,
    change: p.change,
    settings: p.settings,
    started,
    exit: train.status,
    bestValLoss: losses.length > 0 ? Math.min(...losses) : null,
    finalValLoss: losses.at(-1) ?? null,
    steps: curve.at(-1)?.[1] ?? 0,
    seconds: curve.at(-1)?.[0] ?? 0,
    curve,
  });
  writeResults();
  plotBudget(p.budget);
}
writeResults();

/** [elapsed seconds, step, validation loss] of every validation in a run's metrics.jsonl. */
function readCurve(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line) => {
      try {
        const r = JSON.parse(line);
        return typeof r.valLoss === "number" ? [[r.elapsed, r.step, r.valLoss]] : [];
      } catch {
        return [];
      }
    });
}

function writeResults() {
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 1)}\n`);
  const rows = [...results.runs].sort(
    (a, b) => a.budget - b.budget || (a.bestValLoss ?? 99) - (b.bestValLoss ?? 99),
  );
  const fmt = (x) => (x === null ? "–" : x.toFixed(4));
  const md = [
    "# Recipe search results",
    "",
    `Corpus ${results.corpus} (${results.corpusChars} chars), validation = the last 10 %, nats/char.`,
    `Machine: ${results.machine}. Written by \`node scripts/recipe-search.mjs\`; one run per row, best first per budget.`,
    "",
    "| budget | run | recipe row | change | best val | final val | steps | minutes |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.budget} s | ${r.id} | ${r.recipe} | ${r.change} | ${fmt(r.bestValLoss)} | ${fmt(r.finalValLoss)} | ${r.steps} | ${(r.seconds / 60).toFixed(1)} |`,
    ),
    "",
  ];
  writeFileSync(join(args.out, "results.md"), md.join("\n"));
}

function plotBudget(budget) {
  const dirs = results.runs
    .filter((r) => r.budget === budget && r.curve.length > 0)
    .map((r) => join(args.out, "runs", r.id));
  if (dirs.length === 0) return;
  spawnSync(process.execPath, [cli, "plot", ...dirs, "--out", resolve(args.out, `curves-${budget}s.svg`)], {
    stdio: "inherit",
  });
}

function round2(x) {
  return Math.round(x * 100) / 100;
}

function fail(message) {
  console.error(`recipe-search: ${message}`);
  process.exit(2);
}
