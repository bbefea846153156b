import type { Budget } from "./measure";

/** `ok`: measured; `partial`: cut off by the cell's cap after some timed steps. */
export type RowStatus = "ok" | "partial" | "failed" | "skipped" | "timeout";

/** One measured line of the results table. */
export interface BenchRow {
  /** The cell (child process) that measured it. */
  cell: string;
  kind: "train" | "sample" | "memory";
  /** Train config id (`a`…`d`), `sample-2x512` or `memory-100MB`. */
  config: string;
  /** `tfjs`, `reference`, `ort`, `tf.layers`, `numpy`, `ts`, `ort-step`, `ort-raw`, `generate-ts`, … */
  engine: string;
  /** `wasm`, `cpu`, `tensorflow`, `js`, `onnxruntime-node`, `numpy`, `torch-cpu`, `torch-cuda`. */
  backend: string;
  batch: number;
  seq: number;
  status: RowStatus;
  charsPerSec?: number;
  /** Median seconds per step (a train step, or one token per stream when sampling). */
  secPerStep?: number;
  /** Timed steps behind the median. */
  steps?: number;
  /** Peak resident set size of the cell's process, MiB (filled in by the parent). */
  maxRssMiB?: number;
  note?: string;
  /** Cell-specific numbers (memory cell phases, …). */
  extra?: Record<string, number | string>;
}

/** What a cell is and how long it may take. */
export interface CellSpec {
  id: string;
  kind: "train" | "layers" | "sample" | "memory" | "numpy" | "torch-plain";
  /** Train config id, for train/layers cells. */
  config?: string;
  /** Engine or sampling engine name. */
  engine?: string;
  backend?: string;
  budget: Budget;
  /** Smaller windows for a smoke run (`--quick`): batch and seq replace the config's. */
  shrink?: { batch: number; seq: number };
  /** Size of the memory cell's synthetic corpus. @defaultValue 100 */
  corpusMiB?: number;
  /** Hard wall-clock limit for the child process (start-up included), seconds. */
  capSeconds: number;
  /** The torch engine's `--precision` (fp32 when absent). */
  precision?: "bf16";
}

/** How a running cell reports to its parent. */
export interface CellIo {
  /** The rows so far (`final`: the cell's complete result). */
  emit(rows: BenchRow[], final: boolean): void;
  /** The first (warm-up or timed) step begins: set-up is over. */
  stepsStarted(): void;
}

/** Messages a cell's child process sends to the parent. */
export type CellMessage =
  | { type: "rows"; rows: BenchRow[]; final: boolean; maxRssKiB: number }
  | { type: "steps"; maxRssKiB: number }
  | { type: "error"; message: string; maxRssKiB: number };
