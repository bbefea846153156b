import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

/** One line of `metrics.jsonl`. Fields that a line has no value for are left out. */
export interface MetricsRecord {
  step: number;
  epoch: number;
  /** Mean training loss (nats/token) over the steps since the previous record. */
  trainLoss?: number;
  valLoss?: number;
  valBpc?: number;
  valPpl?: number;
  /** At the end of a run with a test file, on the final weights. */
  testLoss?: number;
  testBpc?: number;
  testPpl?: number;
  lr?: number;
  gradNorm?: number;
  charsPerSec?: number;
  /** Seconds of training so far, including time before a resume. */
  elapsed: number;
}

/** An append-only JSON-lines log; each line reaches the disk before `append` returns. */
export interface MetricsLog {
  append(record: MetricsRecord): void;
  close(): void;
}

/**
 * Opens `path` for appending (a resumed run continues the same file). Lines are written with one
 * `write` each and fsynced, so a crash loses at most the line being written.
 */
export function openMetricsLog(path: string): MetricsLog {
  let fd: number | undefined = openSync(path, "a");
  return {
    append(record) {
      if (fd === undefined) return;
      writeSync(fd, `${JSON.stringify(record)}\n`);
      fsyncSync(fd);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
