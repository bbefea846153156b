import { CharrnnError } from "@charrnn/core";

/** One line of a `charrnn train` metrics log (`metrics.jsonl`); absent fields are left out. */
export interface MetricsPoint {
  step: number;
  epoch: number;
  elapsed: number;
  trainLoss?: number;
  valLoss?: number;
  valBpc?: number;
  valPpl?: number;
  lr?: number;
  gradNorm?: number;
  charsPerSec?: number;
}

/** A metrics log split into its training and validation lines, each sorted by step. */
export interface MetricsSeries {
  /** Progress lines (they carry `trainLoss`, `charsPerSec`, …). */
  train: MetricsPoint[];
  /** Validation lines (they carry `valLoss`, `valBpc`, …). */
  val: MetricsPoint[];
  /** 1-based numbers of the lines that were not metrics records (bad JSON, no step). */
  skippedLines: number[];
}

const NUMBER_FIELDS = [
  "epoch",
  "elapsed",
  "trainLoss",
  "valLoss",
  "valBpc",
  "valPpl",
  "lr",
  "gradNorm",
  "charsPerSec",
] as const;

/**
 * Parses the JSONL that `charrnn train` writes. A resumed run appends lines for steps the
 * interrupted session had already logged, so for each step the last training line and the last
 * validation line win. Blank lines are ignored; lines that are not records are reported in
 * `skippedLines`. Throws `METRICS_EMPTY` when no line is a record.
 * @example
 * const { train, val } = parseMetricsJsonl(await file.text(), file.name);
 */
export function parseMetricsJsonl(text: string, source = "the metrics log"): MetricsSeries {
  const train = new Map<number, MetricsPoint>();
  const val = new Map<number, MetricsPoint>();
  const skippedLines: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const point = parseLine(line);
    if (point === undefined) {
      skippedLines.push(i + 1);
      continue;
    }
    (point.valLoss !== undefined ? val : train).set(point.step, point);
  }
  if (train.size === 0 && val.size === 0) {
    throw new CharrnnError(
      "METRICS_EMPTY",
      `${source} holds no metrics lines (JSON objects with a numeric "step"); pick the metrics.jsonl of a charrnn train run`,
    );
  }
  return { train: byStep(train), val: byStep(val), skippedLines };
}

function parseLine(line: string): MetricsPoint | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const step = record.step;
  if (typeof step !== "number" || !Number.isInteger(step) || step < 0) return undefined;
  const point: MetricsPoint = { step, epoch: 0, elapsed: 0 };
  for (const field of NUMBER_FIELDS) {
    const v = record[field];
    if (typeof v === "number" && Number.isFinite(v)) point[field] = v;
  }
  return point;
}

function byStep(points: Map<number, MetricsPoint>): MetricsPoint[] {
  return [...points.values()].sort((a, b) => a.step - b.step);
}
