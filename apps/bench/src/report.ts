import { TRAIN_CONFIGS } from "./configs";
import type { MachineInfo } from "./machine";
import type { BenchRow } from "./types";

/** The issue's estimate of what 2 cores can do for the 2x512 LSTM (config c), chars/s. */
export const TWO_CORE_CEILING_2X512 = 9000;
/** The issue's target: the best engine at least this many times the tf.layers baseline on (c). */
export const LAYERS_SPEEDUP_TARGET = 10;

/** The issue's target: the WebAssembly sampler at least this many times the plain-TS one. */
export const SAMPLER_SPEEDUP_TARGET = 5;

/** One ratio between two rows. */
export interface Ratio {
  label: string;
  value: number;
  /** The denominator timed out, so `value` is a lower bound (its speed is an upper bound). */
  atLeast?: boolean;
  numerator: string;
  denominator: string;
  target?: string;
}

const measured = (row: BenchRow): boolean =>
  (row.status === "ok" || row.status === "partial") && row.charsPerSec !== undefined;
const upperBound = (row: BenchRow): number | undefined => {
  const bound = row.extra?.maxCharsPerSec;
  return typeof bound === "number" ? bound : undefined;
};
/** chars/s measured, or the upper bound of a cell that timed out before its first timed step. */
const rate = (row: BenchRow): number | undefined => (measured(row) ? row.charsPerSec : upperBound(row));
const name = (row: BenchRow): string => `${row.engine}/${row.backend}`;
const TF_BACKENDS = new Set(["tensorflow", "wasm", "cpu"]);

function best(rows: readonly BenchRow[]): BenchRow | undefined {
  let top: BenchRow | undefined;
  for (const row of rows)
    if (rate(row) !== undefined && (top === undefined || rate(row)! > rate(top)!)) top = row;
  return top;
}

/**
 * The ratios the issue asks for: each engine vs the tf.layers baseline of the same config and
 * backend (engines off TF.js against the fastest tf.layers run), the vanilla RNN path vs numpy,
 * and the best engine on the 2x512 LSTM vs the 2-core ceiling and vs tf.layers (the ≥10× target).
 * A baseline that timed out counts with its speed bound, making the ratio a lower bound.
 */
export function computeRatios(rows: readonly BenchRow[]): Ratio[] {
  const ratios: Ratio[] = [];
  const train = rows.filter((row) => row.kind === "train");
  const ours = train.filter(
    (row) =>
      measured(row) && row.engine !== "tf.layers" && row.engine !== "numpy" && row.engine !== "torch-plain",
  );
  const ratio = (label: string, num: BenchRow, den: BenchRow, target?: (value: number) => string): void => {
    const value = num.charsPerSec! / rate(den)!;
    const atLeast = !measured(den);
    ratios.push({
      label,
      value,
      ...(atLeast ? { atLeast } : {}),
      numerator: num.cell,
      denominator: den.cell,
      ...(target ? { target: target(value) } : {}),
    });
  };
  for (const config of Object.keys(TRAIN_CONFIGS)) {
    const layers = train.filter(
      (row) => row.config === config && row.engine === "tf.layers" && rate(row) !== undefined,
    );
    if (layers.length === 0) continue;
    for (const row of ours.filter((r) => r.config === config)) {
      const same = layers.find((l) => l.backend === row.backend);
      const den = same ?? (TF_BACKENDS.has(row.backend) ? undefined : best(layers));
      if (den !== undefined) ratio(`(${config}) ${name(row)} vs ${name(den)}`, row, den);
    }
  }
  const numpy = train.find((row) => row.config === "a" && row.engine === "numpy" && measured(row));
  if (numpy !== undefined) {
    for (const row of ours.filter((r) => r.config === "a")) ratio(`(a) ${name(row)} vs numpy`, row, numpy);
  }
  for (const config of Object.keys(TRAIN_CONFIGS)) {
    // The engine's backend line ends with the precision when it is not fp32 (bf16 mixed precision).
    const torchAt = (bf16: boolean) =>
      train.find(
        (row) =>
          row.config === config &&
          row.engine === "torch" &&
          measured(row) &&
          row.backend.includes("bf16") === bf16,
      );
    const torch = torchAt(false);
    const bf16 = torchAt(true);
    const plain = train.find((row) => row.config === config && row.engine === "torch-plain" && measured(row));
    const ort = train.find((row) => row.config === config && row.engine === "ort" && measured(row));
    if (torch !== undefined && plain !== undefined) {
      ratio(`(${config}) torch engine vs a plain PyTorch loop`, torch, plain, (value) =>
        value >= 0.9 ? "overhead within 10 %: met" : "overhead within 10 %: not met",
      );
    }
    if (torch !== undefined && ort !== undefined) ratio(`(${config}) torch engine vs ort`, torch, ort);
    if (bf16 !== undefined && ort !== undefined) ratio(`(${config}) torch engine, bf16 vs ort`, bf16, ort);
    if (bf16 !== undefined && torch !== undefined)
      ratio(`(${config}) torch engine, bf16 vs fp32`, bf16, torch);
  }
  const top = best(ours.filter((row) => row.config === "c"));
  if (top !== undefined) {
    ratios.push({
      label: `(c) best engine ${name(top)} vs the 2-core ceiling (${TWO_CORE_CEILING_2X512} chars/s)`,
      value: top.charsPerSec! / TWO_CORE_CEILING_2X512,
      numerator: top.cell,
      denominator: "ceiling",
    });
    const layers = best(train.filter((row) => row.config === "c" && row.engine === "tf.layers"));
    if (layers !== undefined) {
      ratio(`(c) best engine ${name(top)} vs best tf.layers ${name(layers)}`, top, layers, (value) =>
        value >= LAYERS_SPEEDUP_TARGET
          ? `≥${LAYERS_SPEEDUP_TARGET}x: met`
          : `≥${LAYERS_SPEEDUP_TARGET}x: not shown`,
      );
    }
  }
  // Sampling: the WebAssembly engine against the plain-TS one (target ≥ 5× at batch 1 and 64) and
  // against onnxruntime-node's step model, per batch.
  const sample = rows.filter((row) => row.kind === "sample" && measured(row));
  for (const batch of [1, 64]) {
    const at = (engine: string) => sample.find((row) => row.engine === engine && row.batch === batch);
    const ts = at("ts");
    for (const engine of ["wasm", "wasm-int8"]) {
      const row = at(engine);
      if (row === undefined) continue;
      if (ts !== undefined) {
        ratio(`(sample, batch ${batch}) ${engine} vs ts`, row, ts, (value) =>
          value >= SAMPLER_SPEEDUP_TARGET
            ? `≥${SAMPLER_SPEEDUP_TARGET}x: met`
            : `≥${SAMPLER_SPEEDUP_TARGET}x: not met`,
        );
      }
      const ort = at("ort-step");
      if (ort !== undefined) ratio(`(sample, batch ${batch}) ${engine} vs ort-step`, row, ort);
    }
  }
  return ratios;
}

function formatNumber(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toPrecision(3);
}

function formatRate(row: BenchRow): string {
  if (row.charsPerSec !== undefined) return formatNumber(row.charsPerSec);
  const bound = upperBound(row);
  return bound === undefined ? "-" : `< ${formatNumber(bound)}`;
}

function formatSeconds(value: number | undefined): string {
  if (value === undefined) return "-";
  return value >= 1 ? `${value.toFixed(2)} s` : `${(value * 1000).toPrecision(3)} ms`;
}

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

function statusText(row: BenchRow): string {
  const parts: string[] = row.status === "ok" ? [] : [row.status];
  if (row.note !== undefined && row.note !== "") parts.push(row.note);
  if (row.extra !== undefined) {
    for (const [key, value] of Object.entries(row.extra)) {
      if (key !== "maxCharsPerSec") parts.push(`${key} ${value}`);
    }
  }
  return parts.join("; ");
}

/** The results as Markdown tables (training, sampling, memory) plus ratios, for the terminal and the README. */
export function formatReport(
  machine: MachineInfo,
  rows: readonly BenchRow[],
  ratios: readonly Ratio[],
  totalSeconds: number,
): string {
  const out: string[] = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Node ${machine.node} (${machine.platform})${machine.python ? `; Python ${machine.python}` : ""}`,
    `Date: ${machine.date}   Command: ${machine.command}   Total: ${totalSeconds.toFixed(0)} s   Load average: ${machine.loadAverage.start} at start, ${machine.loadAverage.end ?? "?"} at end`,
    "",
  ];
  const head = ["config", "engine", "backend", "BxT", "chars/s", "per step", "steps", "RSS MiB", "notes"];
  const cells = (row: BenchRow, config: string): string[] => [
    config,
    row.engine,
    row.backend,
    row.batch > 0 ? `${row.batch}x${row.seq}` : "-",
    formatRate(row),
    formatSeconds(row.secPerStep),
    row.steps === undefined ? "-" : String(row.steps),
    row.maxRssMiB === undefined ? "-" : String(row.maxRssMiB),
    statusText(row),
  ];
  const trainRows = rows.filter((row) => row.kind === "train");
  if (trainRows.length > 0) {
    out.push("Training (chars/s = batch x seq / median seconds per trainStep)");
    for (const config of Object.values(TRAIN_CONFIGS)) {
      if (trainRows.some((row) => row.config === config.id)) out.push(`  (${config.id}) ${config.label}`);
    }
    out.push(
      table(
        head,
        trainRows.map((row) => cells(row, row.config)),
      ),
      "",
    );
  }
  const sampleRows = rows.filter((row) => row.kind === "sample");
  if (sampleRows.length > 0) {
    out.push("Sampling, LSTM 2x512 embed 64 vocab 65 (chars/s = batch / seconds per one-token step)");
    out.push(
      table(
        head,
        sampleRows.map((row) => cells(row, "2x512")),
      ),
      "",
    );
  }
  const memoryRows = rows.filter((row) => row.kind === "memory");
  if (memoryRows.length > 0) {
    out.push(
      "Memory: synthetic corpus, streaming vocab + encode, TBPTT batches, a few train steps (target RSS < 1 GiB + model)",
    );
    out.push(
      table(
        head,
        memoryRows.map((row) => cells(row, row.config.replace("memory-", ""))),
      ),
      "",
    );
  }
  if (ratios.length > 0) {
    out.push("Ratios");
    for (const r of ratios) {
      const value = r.value >= 10 ? r.value.toFixed(1) : r.value.toFixed(2);
      out.push(`  ${r.label}: ${r.atLeast ? "> " : ""}${value}x${r.target ? ` (target ${r.target})` : ""}`);
    }
  }
  return out.join("\n");
}
