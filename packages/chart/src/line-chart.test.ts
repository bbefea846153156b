import { describe, expect, it } from "vitest";
import { formatTick, niceDomain, niceTicks, renderLineChart, tickStep } from "./line-chart";
import { escapeXml } from "./svg";

describe("ticks", () => {
  it("spaces ticks 1, 2 or 5 × 10ⁿ", () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(1.23, 3.9, 5)).toEqual([1.5, 2, 2.5, 3, 3.5]);
    expect(niceTicks(0, 1, 10)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(niceTicks(10, 10)).toEqual([10]);
    expect(niceTicks(0, Number.NaN)).toEqual([]);
    expect(tickStep(0, 4500, 6)).toBe(1000);
  });

  it("widens a domain to whole ticks", () => {
    expect(niceDomain(1.23, 3.9, 5)).toEqual([1, 4]);
    expect(niceDomain(10, 490, 6)).toEqual([0, 500]);
    expect(niceDomain(0, 0)).toEqual([0, 1]);
    expect(niceDomain(2, 2)).toEqual([1, 3]);
  });

  it("labels with the decimals the step needs", () => {
    expect(formatTick(2.5, 0.5)).toBe("2.5");
    expect(formatTick(2, 0.5)).toBe("2.0");
    expect(formatTick(300, 100)).toBe("300");
    expect(formatTick(12000, 2000)).toBe("12k");
    expect(formatTick(0.05, 0.05)).toBe("0.05");
  });
});

describe("renderLineChart", () => {
  const spec = {
    title: "Loss <per> step",
    description: "Training loss fell from 4 to 2.",
    xLabel: "step",
    yLabel: "loss (nats)",
    series: [
      {
        name: "train",
        colour: "#1f5fbf",
        points: [
          [0, 4],
          [50, 3],
          [100, 2],
        ] as const,
      },
      { name: "val", colour: "#b3401f", dots: true, points: [[100, 2.5]] as const },
    ],
  };

  it("draws one polyline per series at the scaled positions", () => {
    const svg = renderLineChart({ ...spec, width: 400, height: 200 });
    // domain x [0,100] → [60, 384]; y [2,4] → [156, 28] (plot 324 × 128 after margins left 60, right 16, top 28, bottom 44)
    expect(svg).toContain('data-series="train" points="60.0,28.0 222.0,92.0 384.0,156.0"');
    expect(svg).toContain('data-series="val" points="384.0,124.0"');
    expect(svg.match(/<circle /g)).toHaveLength(1);
  });

  it("is an accessible image with escaped title and description", () => {
    const svg = renderLineChart(spec);
    expect(svg).toContain('role="img"');
    expect(svg).toContain('<title id="chart-loss-per-step-title">Loss &#60;per&#62; step</title>');
    expect(svg).toContain('<desc id="chart-loss-per-step-desc">Training loss fell from 4 to 2.</desc>');
  });

  it("says so when there is nothing to draw", () => {
    expect(renderLineChart({ ...spec, series: [] })).toContain("no data");
  });

  it("escapes markup characters", () => {
    expect(escapeXml(`a<b>&"c'`)).toBe("a&#60;b&#62;&#38;&#34;c&#39;");
  });
});
