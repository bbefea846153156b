import { describe, expect, it } from "vitest";
import { parseMetricsJsonl } from "./metrics";

const line = (o: object) => JSON.stringify(o);

describe("parseMetricsJsonl", () => {
  it("splits training and validation lines, sorted by step", () => {
    const text = [
      line({ step: 20, epoch: 0, trainLoss: 2.5, lr: 0.003, gradNorm: 1.2, charsPerSec: 900, elapsed: 4 }),
      line({ step: 10, epoch: 0, trainLoss: 3, lr: 0.003, gradNorm: 2, charsPerSec: 800, elapsed: 2 }),
      line({ step: 20, epoch: 0, valLoss: 2.4, valBpc: 3.46, valPpl: 11, lr: 0.003, elapsed: 5 }),
    ].join("\n");
    const { train, val, skippedLines } = parseMetricsJsonl(text);
    expect(train.map((p) => [p.step, p.trainLoss])).toEqual([
      [10, 3],
      [20, 2.5],
    ]);
    expect(val).toHaveLength(1);
    expect(val[0]).toMatchObject({ step: 20, valLoss: 2.4, valBpc: 3.46 });
    expect(val[0]!.trainLoss).toBeUndefined();
    expect(skippedLines).toEqual([]);
  });

  it("keeps the last line per step after a resume", () => {
    const text = [
      line({ step: 10, epoch: 0, trainLoss: 3, elapsed: 1 }),
      line({ step: 20, epoch: 0, trainLoss: 2.9, elapsed: 2 }),
      line({ step: 20, epoch: 0, valLoss: 2.95, elapsed: 2 }),
      // the run was interrupted after step 20 and resumed from the step-10 checkpoint
      line({ step: 20, epoch: 0, trainLoss: 2.8, elapsed: 3 }),
      line({ step: 20, epoch: 0, valLoss: 2.85, elapsed: 3 }),
      line({ step: 30, epoch: 0, trainLoss: 2.7, elapsed: 4 }),
    ].join("\n");
    const { train, val } = parseMetricsJsonl(text);
    expect(train.map((p) => p.trainLoss)).toEqual([3, 2.8, 2.7]);
    expect(val.map((p) => p.valLoss)).toEqual([2.85]);
  });

  it("skips blank lines, reports broken ones, tolerates CRLF and drops non-finite fields", () => {
    const text = `${line({ step: 1, epoch: 0, trainLoss: 4, elapsed: 0 })}\r\n\r\nnot json\n[1,2]\n{"epoch":1}\n{"step":2,"trainLoss":"x","elapsed":1}\n`;
    const { train, skippedLines } = parseMetricsJsonl(text);
    expect(skippedLines).toEqual([3, 4, 5]);
    expect(train.map((p) => p.step)).toEqual([1, 2]);
    expect(train[1]!.trainLoss).toBeUndefined();
  });

  it("refuses a file without any metrics line, naming it", () => {
    expect(() => parseMetricsJsonl("hello\n\n", "notes.txt")).toThrow(/notes\.txt holds no metrics lines/);
    expect(() => parseMetricsJsonl("")).toThrow(expect.objectContaining({ code: "METRICS_EMPTY" }));
  });
});
