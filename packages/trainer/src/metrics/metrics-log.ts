import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { type AtomicWriteFs, writeFileAtomic } from "@charrnn/core/node";
import { writeFailed } from "../checkpoint/write-failed";

/** One line of `metrics.jsonl`. Fields that a line has no value for are left out. */
export interface MetricsRecord {
  step: number;
  epoch: number;
  /** Mean training loss (nats/token) over the steps since the previous record. */
  trainLoss?: number;
  valLoss?: number;
  valBpc?: number;
  valPpl?: number;
  /** A classifier's validation accuracy. */
  valAccuracy?: number;
  /** At the end of a run with a test file, on the final weights. */
  testLoss?: number;
  testBpc?: number;
  testPpl?: number;
  lr?: number;
  gradNorm?: number;
  charsPerSec?: number;
  /** A divergence rollback: its number in the run, and the learning-rate scale from now on. */
  rollback?: number;
  lrScale?: number;
  /** Seconds of training so far, including time before a resume. */
  elapsed: number;
}

/** An append-only JSON-lines log; each line reaches the disk before `append` returns. */
export interface MetricsLog {
  append(record: MetricsRecord): void;
  /**
   * Drops the lines after `step` (and a torn line), for a run that goes back to the checkpoint of
   * that step: a resume, or a divergence rollback about to replay the steps since.
   */
  rewind(step: number): void;
  close(): void;
}

export interface OpenMetricsLogOptions {
  /**
   * Continue the log of a run resumed from the checkpoint at this step: lines of later steps (the
   * steps the resume replays) and a line torn by a crash are dropped first, so the log reads as one
   * uninterrupted run. Without it the log starts empty.
   */
  resumeStep?: number;
  /** File operations, for tests that simulate a full disk. */
  fs?: AtomicWriteFs;
}

/**
 * Opens `path` for a run's records. Lines are written with one `write` each and fsynced, so a crash
 * loses at most the line being written, and the next resume drops that torn line.
 */
export function openMetricsLog(path: string, options: OpenMetricsLogOptions = {}): MetricsLog {
  const fs = options.fs ?? { openSync, writeSync, fsyncSync };
  // Every failure names the log; by then the run's checkpoints are what a resume continues from.
  const guard = <T>(write: () => T): T => {
    try {
      return write();
    } catch (error) {
      throw writeFailed(path, error, "--resume");
    }
  };
  const rewindFile = (step: number) => {
    if (!existsSync(path)) return;
    const text = readFileSync(path, "utf8");
    const kept = keptLines(text, step);
    if (kept !== text) writeFileAtomic(path, new TextEncoder().encode(kept), options.fs);
  };
  let fd: number | undefined = guard(() => {
    if (options.resumeStep === undefined) writeFileAtomic(path, new Uint8Array(), options.fs);
    else rewindFile(options.resumeStep);
    return fs.openSync(path, "a");
  });
  return {
    append(record) {
      if (fd === undefined) return;
      const line = new TextEncoder().encode(`${JSON.stringify(record)}\n`);
      const out = fd;
      guard(() => {
        let offset = 0;
        while (offset < line.length) offset += fs.writeSync(out, line, offset, line.length - offset);
        fs.fsyncSync(out);
      });
    },
    rewind(step) {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
      fd = guard(() => {
        rewindFile(step);
        return fs.openSync(path, "a");
      });
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** The complete, parseable lines of `text` whose step is at most `lastStep`, newline-terminated. */
function keptLines(text: string, lastStep: number): string {
  let kept = "";
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    const step = (record as { step?: unknown } | null)?.step;
    if (typeof step === "number" && step <= lastStep) kept += `${line}\n`;
  }
  return kept;
}
