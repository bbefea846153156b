import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cellTrainConfig } from "./configs";
import type { BenchRow, CellMessage, CellSpec } from "./types";

const ENTRY = fileURLToPath(new URL("./bench.ts", import.meta.url));

/** A row standing for a cell that produced nothing usable. */
function placeholder(spec: CellSpec, status: BenchRow["status"], note: string): BenchRow {
  return {
    cell: spec.id,
    kind:
      spec.kind === "layers" || spec.kind === "numpy" || spec.kind === "torch-plain" ? "train" : spec.kind,
    config: spec.config ?? (spec.kind === "sample" ? "sample-2x512" : `memory-${spec.corpusMiB ?? 100}MiB`),
    engine: spec.kind === "layers" ? "tf.layers" : (spec.engine ?? spec.kind),
    backend: spec.backend ?? "",
    batch: 0,
    seq: 0,
    status,
    note,
  };
}

/** The most telling line of a crashed child's stderr (a wasm abort, an Error), shortened. */
function failureReason(stderr: string, fallback: string): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const telling = lines.find((line) => /abort|Error|error:|out of memory|Killed/i.test(line));
  const reason = telling ?? lines[lines.length - 1] ?? fallback;
  return reason.length > 200 ? `${reason.slice(0, 200)}…` : reason;
}

/**
 * What a train cell killed before its first timed step still tells: its window, and an upper bound
 * on its speed (its warm-up steps plus one did not finish in the time since set-up ended).
 */
function speedBound(spec: CellSpec, stepsAt: number | undefined): Partial<BenchRow> {
  if (
    stepsAt === undefined ||
    spec.config === undefined ||
    !(spec.kind === "train" || spec.kind === "layers")
  ) {
    return {};
  }
  const { batch, seq } = cellTrainConfig(spec.config, spec.shrink);
  const seconds = (performance.now() - stepsAt) / 1000;
  return {
    batch,
    seq,
    extra: { maxCharsPerSec: Math.ceil((batch * seq * (spec.budget.warmup + 1)) / seconds) },
  };
}

function timeoutNote(spec: CellSpec, stepsAt: number | undefined): string {
  if (stepsAt === undefined) return `still setting up at the ${spec.capSeconds} s cap`;
  const seconds = (performance.now() - stepsAt) / 1000;
  const steps = spec.budget.warmup + 1;
  return `${steps === 1 ? "1 step" : `${steps} steps`} unfinished after ${seconds.toFixed(0)} s (cap ${spec.capSeconds} s)`;
}

/**
 * Runs one cell in a child process of this same script (`--cell <id> --spec <json>`), so its peak
 * RSS is its own and a crash (a wasm abort) or a hang costs only that cell. Kills it at its cap,
 * keeping any partial rows it reported.
 */
export function runCell(spec: CellSpec): Promise<BenchRow[]> {
  return new Promise((resolve) => {
    const child = fork(ENTRY, ["--cell", spec.id, "--spec", JSON.stringify(spec)], {
      execArgv: process.execArgv,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    let rows: BenchRow[] = [];
    let final = false;
    let rssKiB: number | undefined;
    let error: string | undefined;
    let stderr = "";
    let timedOut = false;
    let stepsAt: number | undefined;
    child.stderr?.on("data", (data: Buffer) => {
      stderr = (stderr + data.toString()).slice(-8000);
    });
    child.stdout?.resume();
    child.on("message", (message: CellMessage) => {
      rssKiB = message.maxRssKiB;
      if (message.type === "steps") stepsAt = performance.now();
      else if (message.type === "rows") {
        rows = message.rows;
        final = message.final;
      } else error = message.message;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, spec.capSeconds * 1000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      let out = rows;
      if (!final) {
        if (timedOut && rows.length > 0) {
          out = rows.map((row) => ({
            ...row,
            status: "partial",
            note: [row.note, `cut off at the ${spec.capSeconds} s cap`].filter(Boolean).join("; "),
          }));
        } else if (timedOut) {
          out = [
            { ...placeholder(spec, "timeout", timeoutNote(spec, stepsAt)), ...speedBound(spec, stepsAt) },
          ];
        } else {
          const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
          const reason = error !== undefined ? failureReason(error, how) : failureReason(stderr, how);
          out = [...rows, placeholder(spec, "failed", reason)];
        }
      }
      const rss = rssKiB === undefined ? undefined : Math.round(rssKiB / 1024);
      resolve(out.map((row) => ({ ...row, maxRssMiB: row.maxRssMiB ?? rss })));
    });
  });
}
