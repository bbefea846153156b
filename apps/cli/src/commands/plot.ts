import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { renderLineChart, SERIES_COLOURS } from "@charrnn/chart";
import { CharrnnError, CONFIG_FILE, METRICS_FILE } from "@charrnn/core";
import type { Command } from "commander";
import type { CliIo } from "../io";
import { parseChoiceFlag, UsageError } from "../options";

interface PlotFlags {
  out?: string;
  x: string;
}

const X_AXES = ["minutes", "steps", "tokens"] as const;
type XAxis = (typeof X_AXES)[number];

const X_LABELS: Record<XAxis, string> = {
  minutes: "training time (minutes)",
  steps: "steps",
  tokens: "tokens trained (millions)",
};

/** One run's validation curve: [elapsed seconds, step, validation loss] per validation. */
export interface RunCurve {
  name: string;
  points: [seconds: number, step: number, valLoss: number][];
}

export function registerPlotCommand(program: Command, io: CliIo): void {
  program
    .command("plot")
    .description("draw the validation loss of several training runs on one chart (SVG)")
    .argument("<runs...>", "training output directories (each holding metrics.jsonl)")
    .option("--out <file>", "SVG file to write")
    .option(
      "--x <axis>",
      "x axis: minutes (wall-clock training time), steps, or tokens (steps × batch × seq: compares runs of different batch sizes)",
      "minutes",
    )
    .action((runs: string[], flags: PlotFlags) => plotCommand(runs, flags, io));
}

function plotCommand(runs: string[], flags: PlotFlags, io: CliIo): void {
  const axis = parseChoiceFlag("--x", flags.x, X_AXES);
  if (flags.out === undefined) throw new UsageError("--out FILE is required: the SVG file to write");
  const outDir = dirname(resolve(flags.out));
  if (!existsSync(outDir)) {
    throw new UsageError(
      `--out ${flags.out}: directory ${outDir} does not exist; create it or pick another path`,
    );
  }
  // Read every run before writing anything, so a bad one leaves no half-made chart.
  const curves = runs.map((run) => readRunCurve(run));
  const tokensPerStep = axis === "tokens" ? runs.map((run) => readTokensPerStep(run)) : [];
  const names = seriesNames(runs);
  const x = (i: number, seconds: number, step: number): number =>
    axis === "minutes" ? seconds / 60 : axis === "steps" ? step : (step * tokensPerStep[i]!) / 1e6;
  const svg = renderLineChart({
    title: "Validation loss",
    description: curves
      .map((c, i) => `${names[i]}: best ${Math.min(...c.points.map((p) => p[2])).toFixed(4)}`)
      .join("; "),
    xLabel: X_LABELS[axis],
    yLabel: "validation loss (nats/token)",
    series: curves.map((c, i) => ({
      name: names[i]!,
      colour: SERIES_COLOURS[i % SERIES_COLOURS.length]!,
      dots: true,
      points: c.points.map(([seconds, step, loss]) => [x(i, seconds, step), loss] as const),
    })),
    width: 720,
    height: 400,
    standalone: true,
    xFromZero: true,
  });
  writeFileSync(flags.out, `${svg}\n`);
  io.stdout.write(
    `wrote ${flags.out}: ${runs.length} run${runs.length === 1 ? "" : "s"}, validation loss against ${axis}\n`,
  );
}

/**
 * The validation points of a run directory's `metrics.jsonl` (or of that file given directly).
 * A torn last line (a run killed mid-write) is skipped; a run without validations is an error.
 */
export function readRunCurve(run: string): RunCurve {
  let file = run;
  try {
    if (statSync(run).isDirectory()) file = join(run, METRICS_FILE);
  } catch {
    throw new CharrnnError(
      "PLOT_NO_RUN",
      `run ${run} does not exist; give a training output directory (--out of charrnn train)`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new CharrnnError(
      "PLOT_NO_METRICS",
      `${run} has no ${METRICS_FILE}; give a training output directory (--out of charrnn train)`,
    );
  }
  const points: RunCurve["points"] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let record: { step?: unknown; elapsed?: unknown; valLoss?: unknown };
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    const { step, elapsed, valLoss } = record ?? {};
    if (
      typeof step === "number" &&
      typeof elapsed === "number" &&
      typeof valLoss === "number" &&
      Number.isFinite(valLoss)
    ) {
      points.push([elapsed, step, valLoss]);
    }
  }
  if (points.length === 0) {
    throw new CharrnnError(
      "PLOT_NO_VALIDATION",
      `${file} has no validation loss yet; plot the run after its first validation (--val-every)`,
    );
  }
  return { name: run, points };
}

/**
 * Tokens one training step consumes (batch × seq, the same in both data layouts), from the run's
 * `config.json`: what `--x tokens` scales steps by.
 */
export function readTokensPerStep(run: string): number {
  const file = join(runDir(run), CONFIG_FILE);
  let settings: { batch?: unknown; seq?: unknown } | undefined;
  try {
    settings = JSON.parse(readFileSync(file, "utf8"))?.settings;
  } catch {
    settings = undefined;
  }
  const { batch, seq } = settings ?? {};
  if (!Number.isInteger(batch) || !Number.isInteger(seq)) {
    throw new CharrnnError(
      "PLOT_NO_CONFIG",
      `${file} is missing or has no settings.batch and settings.seq; --x tokens needs the run's ${CONFIG_FILE} (plot against minutes or steps instead)`,
    );
  }
  return (batch as number) * (seq as number);
}

/** The run directory of a run given as its directory or as its metrics file. */
function runDir(run: string): string {
  return run.endsWith(".jsonl") ? dirname(run) : run;
}

/** Legend names: each run's directory name, or the path as given where two names would collide. */
function seriesNames(runs: string[]): string[] {
  const base = runs.map((r) => basename(resolve(runDir(r))));
  return runs.map((r, i) => (base.indexOf(base[i]!) === base.lastIndexOf(base[i]!) ? base[i]! : r));
}
