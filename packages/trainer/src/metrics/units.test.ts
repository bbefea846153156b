import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openMetricsLog } from "./metrics-log";
import { natsToBits, perplexity } from "./units";

describe("units", () => {
  it("converts nats to bits and perplexity", () => {
    expect(natsToBits(Math.LN2)).toBeCloseTo(1, 12);
    expect(natsToBits(Math.log(65))).toBeCloseTo(Math.log2(65), 12);
    expect(perplexity(Math.log(65))).toBeCloseTo(65, 9);
    expect(perplexity(0)).toBe(1);
  });
});

describe("openMetricsLog", () => {
  const steps = (path: string) =>
    readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).step);
  const fresh = () => join(mkdtempSync(join(tmpdir(), "charrnn-metrics-")), "metrics.jsonl");

  it("starts a new run's log empty, and a resumed run continues it", () => {
    const path = fresh();
    writeFileSync(path, `${JSON.stringify({ step: 9, epoch: 0, elapsed: 1 })}\n`);
    const a = openMetricsLog(path);
    a.append({ step: 1, epoch: 0, trainLoss: 4, elapsed: 0.5 });
    a.close();
    const b = openMetricsLog(path, { resumeStep: 1 });
    b.append({ step: 2, epoch: 0, valLoss: 3, elapsed: 1 });
    b.close();
    expect(steps(path)).toEqual([1, 2]);
  });

  it("on resume drops the steps the resume replays and a line torn by a crash", () => {
    const path = fresh();
    const log = openMetricsLog(path);
    for (let step = 1; step <= 6; step++) log.append({ step, epoch: 0, trainLoss: 4, elapsed: step });
    log.close();
    appendFileSync(path, '{"step":7,"epoch":0,"trainLo');
    const resumed = openMetricsLog(path, { resumeStep: 4 });
    resumed.append({ step: 5, epoch: 0, trainLoss: 3, elapsed: 9 });
    resumed.close();
    expect(steps(path)).toEqual([1, 2, 3, 4, 5]);
    expect(readFileSync(path, "utf8").endsWith("\n")).toBe(true);
  });

  it("rewinds to a step while open, and keeps appending after it", () => {
    const path = fresh();
    const log = openMetricsLog(path);
    for (let step = 1; step <= 5; step++) log.append({ step, epoch: 0, trainLoss: 4, elapsed: step });
    log.rewind(3);
    log.append({ step: 3, epoch: 0, rollback: 1, lrScale: 0.5, elapsed: 6 });
    log.append({ step: 4, epoch: 0, trainLoss: 3, elapsed: 7 });
    log.close();
    expect(steps(path)).toEqual([1, 2, 3, 3, 4]);
  });
});
