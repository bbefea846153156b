import { mkdtempSync, readFileSync } from "node:fs";
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
  it("appends one JSON line per record, continuing an existing file", () => {
    const path = join(mkdtempSync(join(tmpdir(), "charrnn-metrics-")), "metrics.jsonl");
    const a = openMetricsLog(path);
    a.append({ step: 1, epoch: 0, trainLoss: 4, elapsed: 0.5 });
    a.close();
    const b = openMetricsLog(path);
    b.append({ step: 2, epoch: 0, valLoss: 3, elapsed: 1 });
    expect(
      readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).step),
    ).toEqual([1, 2]);
    b.close();
  });
});
