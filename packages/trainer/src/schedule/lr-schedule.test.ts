import { describe, expect, it } from "vitest";
import {
  createLrSchedule,
  type LrPosition,
  runProgress,
  validateLrSchedule,
  warmupFactor,
} from "./lr-schedule";

const at = (epoch: number, step = 0, progress = 0): LrPosition => ({ epoch, step, progress });

describe("createLrSchedule", () => {
  it("constant keeps the base rate", () => {
    const s = createLrSchedule({ kind: "constant" }, 0.01);
    expect([0, 5, 100].map((e) => s.lrAt(at(e)))).toEqual([0.01, 0.01, 0.01]);
    expect(s.observe(1)).toBe(false);
  });

  it("decay follows the PTB script: lr · factor^max(epoch − after, 0) with 1-based epochs", () => {
    // ptb-small: max_epoch 4, lr_decay 0.5 → epochs 1–4 at 1, epoch 5 at 0.5, epoch 6 at 0.25.
    const s = createLrSchedule({ kind: "decay", factor: 0.5, after: 4 }, 1);
    expect([0, 1, 2, 3, 4, 5].map((e) => s.lrAt(at(e)))).toEqual([1, 1, 1, 1, 0.5, 0.25]);
  });

  it("plateau cuts the rate after `patience` validations without improvement, down to minLr", () => {
    const s = createLrSchedule({ kind: "plateau", factor: 0.5, patience: 1, minLr: 0.3, threshold: 0 }, 1);
    expect(s.observe(2)).toBe(false); // first: best
    expect(s.observe(1.5)).toBe(false); // improved
    expect(s.observe(1.6)).toBe(false); // bad 1 ≤ patience
    expect(s.observe(1.7)).toBe(true); // bad 2 > patience → 0.5
    expect(s.lrAt(at(0))).toBe(0.5);
    expect(s.observe(1.8)).toBe(false);
    expect(s.observe(1.8)).toBe(true); // → max(0.25, 0.3)
    expect(s.lrAt(at(7))).toBe(0.3);
    expect(s.observe(1.9)).toBe(false);
    expect(s.observe(1.9)).toBe(false); // at minLr: no change
    expect(s.lrAt(at(0))).toBe(0.3);
  });

  it("cosine runs from lr at progress 0 through the midpoint to minLr at progress 1", () => {
    const s = createLrSchedule({ kind: "cosine", minLr: 0.1 }, 1.1);
    const curve = [0, 0.25, 0.5, 0.75, 1].map((p) => s.lrAt(at(0, 0, p)));
    expect(curve[0]).toBeCloseTo(1.1, 12);
    expect(curve[1]).toBeCloseTo(0.1 + (1 + Math.SQRT1_2) / 2, 12);
    expect(curve[2]).toBeCloseTo(0.6, 12);
    expect(curve[3]).toBeCloseTo(0.1 + (1 - Math.SQRT1_2) / 2, 12);
    expect(curve[4]).toBe(0.1);
    for (let i = 1; i < curve.length; i++) expect(curve[i]!).toBeLessThan(curve[i - 1]!);
  });

  it("linear runs from lr at progress 0 in a straight line to minLr at progress 1, crossing the cosine", () => {
    const s = createLrSchedule({ kind: "linear", minLr: 0.1 }, 1.1);
    const cosine = createLrSchedule({ kind: "cosine", minLr: 0.1 }, 1.1);
    const curve = [0, 0.25, 0.5, 0.75, 1].map((p) => s.lrAt(at(0, 0, p)));
    expect(curve[0]).toBe(1.1);
    expect(curve[1]).toBeCloseTo(0.85, 12);
    expect(curve[2]).toBeCloseTo(0.6, 12);
    expect(curve[3]).toBeCloseTo(0.35, 12);
    expect(curve[4]).toBeCloseTo(0.1, 12);
    // Below the cosine in the first half, above it in the second.
    expect(curve[1]!).toBeLessThan(cosine.lrAt(at(0, 0, 0.25)));
    expect(curve[3]!).toBeGreaterThan(cosine.lrAt(at(0, 0, 0.75)));
    expect(createLrSchedule({ kind: "linear" }, 2).lrAt(at(0, 0, 1))).toBe(0);
  });

  it("warm-up scales the first N updates linearly on top of any schedule", () => {
    expect([0, 1, 2, 3, 4, 100].map((s) => warmupFactor(s, 4))).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    expect(warmupFactor(0, 0)).toBe(1);
    const s = createLrSchedule({ kind: "decay", factor: 0.5, after: 1 }, 2, undefined, 4);
    expect([0, 1, 2, 3, 4].map((step) => s.lrAt(at(0, step)))).toEqual([0.5, 1, 1.5, 2, 2]);
    expect(s.lrAt(at(1, 10))).toBe(1);
  });

  it("plateau state saved mid-run restores to the same future", () => {
    const config = { kind: "plateau", factor: 0.1, patience: 2 } as const;
    const losses = [3, 2.9, 2.95, 2.97, 2.99, 2.98, 2.5, 2.6, 2.7, 2.8];
    const straight = createLrSchedule(config, 0.01);
    const trace: number[] = [];
    for (const l of losses) {
      straight.observe(l);
      trace.push(straight.lrAt(at(0)));
    }
    const first = createLrSchedule(config, 0.01);
    for (const l of losses.slice(0, 4)) first.observe(l);
    const saved = JSON.parse(JSON.stringify(first.state()));
    const resumed = createLrSchedule(config, 0.01, saved);
    const resumedTrace = trace.slice(0, 4);
    for (const l of losses.slice(4)) {
      resumed.observe(l);
      resumedTrace.push(resumed.lrAt(at(0)));
    }
    expect(resumedTrace).toEqual(trace);
    expect(trace).toContain(0.001);
  });

  it("remembers the progress of the latest step for a resumed cosine", () => {
    const s = createLrSchedule({ kind: "cosine" }, 1);
    s.lrAt(at(0, 7, 0.4));
    expect(s.state().progress).toBe(0.4);
  });

  it("rejects bad configs naming the field", () => {
    expect(() => validateLrSchedule({ kind: "decay", factor: 1.5, after: 1 })).toThrow(/lrSchedule.factor/);
    expect(() => validateLrSchedule({ kind: "plateau", factor: 0.5, patience: -1 })).toThrow(
      /lrSchedule.patience/,
    );
    expect(() => validateLrSchedule({ kind: "cosine", minLr: -1 })).toThrow(/lrSchedule.minLr/);
    expect(() => validateLrSchedule({ kind: "linear", minLr: Number.NaN })).toThrow(/lrSchedule.minLr/);
    expect(() => validateLrSchedule({ kind: "step" } as never)).toThrow(/lrSchedule.kind must be one of/);
    // A parameter the kind does not read is a mistake, not silently ignored.
    expect(() => validateLrSchedule({ kind: "cosine", factor: 0.5 } as never)).toThrow(
      /lrSchedule.factor must be unset with the cosine schedule \(used by: decay, plateau\)/,
    );
    expect(() => validateLrSchedule({ kind: "linear", patience: 2 } as never)).toThrow(
      /lrSchedule.patience must be unset with the linear schedule \(used by: plateau\)/,
    );
  });
});

describe("runProgress", () => {
  const base = {
    epochs: 10,
    windowsPerEpoch: 10,
    maxSteps: 0,
    timeBudget: 0,
    sessionSeconds: 0,
    resumedAt: 0,
  };

  it("counts steps against epochs × windows, or maxSteps when that ends the run first", () => {
    expect(runProgress({ ...base, step: 25 })).toBe(0.25);
    expect(runProgress({ ...base, step: 25, maxSteps: 50 })).toBe(0.5);
    expect(runProgress({ ...base, step: 50, maxSteps: 50 })).toBe(1);
    // maxSteps beyond the epochs: the epochs end the run.
    expect(runProgress({ ...base, step: 50, maxSteps: 1000 })).toBe(0.5);
  });

  it("with a time budget, measures the budget used; a resumed session finishes the rest of the curve", () => {
    expect(runProgress({ ...base, step: 3, timeBudget: 60, sessionSeconds: 30 })).toBe(0.5);
    expect(runProgress({ ...base, step: 3, timeBudget: 60, sessionSeconds: 90 })).toBe(1);
    expect(runProgress({ ...base, step: 3, timeBudget: 60, sessionSeconds: 30, resumedAt: 0.5 })).toBe(0.75);
  });
});
