// Estimates the recipe table's `tableRate` of each untested row (issue 19): probes its model and the
// measured row's nearest to it in turns on this machine's ort engine (`measureThroughput`, the speed
// probe `charrnn train --time-budget` runs), and scales the measured row's tableRate by the median
// ratio over every run the output file holds (each run adds its own). Machines of one kind differ in
// speed, but two models' ratio moves far less. Not a test; a few minutes. Build first: `pnpm build`.
//
//   node scripts/table-rates.mjs [--rounds 4] [--out results/recipes/untested-rates.json]
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

process.env.ORT_DISABLE_TELEMETRY = "1";
const root = fileURLToPath(new URL("..", import.meta.url));
const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "4" },
    out: { type: "string", default: join(root, "results/recipes/untested-rates.json") },
  },
});
const trainer = await import(pathToFileURL(join(root, "packages/trainer/dist/index.js")).href);
const rounds = Number(args.rounds);
// Each untested row and the measured row whose model is nearest to it.
const PAIRS = [
  ["small-short", "quick"],
  ["small-long", "five-minutes"],
  ["large-short", "fifteen-minutes"],
  ["large-long", "hour"],
];
const row = (name) => trainer.RECIPES.find((r) => r.name === name);
const probe = async (name) =>
  (await trainer.measureThroughput(trainer.createOrtEngine, row(name), { minSeconds: 2 })).charsPerSec;
// Each run of the script adds its ratios to the file; the estimates are the medians over all of them.
const file = existsSync(args.out) ? JSON.parse(readFileSync(args.out, "utf8")) : { runs: [] };
const run = {
  date: new Date().toISOString(),
  machine: `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ort engine`,
  rounds,
  pairs: [],
};
for (const [untested, measured] of PAIRS) {
  const ratios = [];
  for (let i = 0; i < rounds; i++) {
    const a = await probe(untested);
    const b = await probe(measured);
    ratios.push(+(a / b).toFixed(3));
    console.log(
      `${untested} ${Math.round(a)} / ${measured} ${Math.round(b)} chars/s = ${(a / b).toFixed(3)}`,
    );
  }
  // A ratio holds against the measured row's model as it is now: keep the tableRate it was taken at.
  run.pairs.push({ untested, measured, measuredTableRate: row(measured).tableRate, ratios });
}
file.runs.push(run);
file.estimates = PAIRS.map(([untested, measured]) => {
  // Each ratio against the measured row's model as it is now: scaled by then's tableRate over now's.
  const now = row(measured).tableRate;
  const ratios = file.runs.flatMap((r) => {
    const pair = r.pairs.find((p) => p.untested === untested);
    return pair ? pair.ratios.map((x) => (x * pair.measuredTableRate) / now) : [];
  });
  const sorted = ratios.toSorted((x, y) => x - y);
  const median = (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
  return {
    untested,
    measured,
    ratios: ratios.length,
    medianRatio: +median.toFixed(3),
    measuredTableRate: now,
    estimatedTableRate: Math.round(median * now),
  };
});
writeFileSync(args.out, `${JSON.stringify(file, null, 2)}\n`);
for (const e of file.estimates)
  console.log(
    `${e.untested}: ${e.medianRatio} × ${e.measured}'s ${e.measuredTableRate} = ${e.estimatedTableRate}`,
  );
