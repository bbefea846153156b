import { describe, expect, it } from "vitest";
import { createLrSchedule, validateLrSchedule } from "./lr-schedule";

describe("createLrSchedule", () => {
  it("constant keeps the base rate", () => {
    const s = createLrSchedule({ kind: "constant" }, 0.01);
    expect([0, 5, 100].map((e) => s.lrAt(e))).toEqual([0.01, 0.01, 0.01]);
    expect(s.observe(1)).toBe(false);
  });

  it("decay follows the PTB script: lr · factor^max(epoch − after, 0) with 1-based epochs", () => {
    // ptb-small: max_epoch 4, lr_decay 0.5 → epochs 1–4 at 1, epoch 5 at 0.5, epoch 6 at 0.25.
    const s = createLrSchedule({ kind: "decay", factor: 0.5, after: 4 }, 1);
    expect([0, 1, 2, 3, 4, 5].map((e) => s.lrAt(e))).toEqual([1, 1, 1, 1, 0.5, 0.25]);
  });

  it("plateau cuts the rate after `patience` validations without improvement, down to minLr", () => {
    const s = createLrSchedule({ kind: "plateau", factor: 0.5, patience: 1, minLr: 0.3, threshold: 0 }, 1);
    expect(s.observe(2)).toBe(false); // first: best
    expect(s.observe(1.5)).toBe(false); // improved
    expect(s.observe(1.6)).toBe(false); // bad 1 ≤ patience
    expect(s.observe(1.7)).toBe(true); // bad 2 > patience → 0.5
    expect(s.lrAt(0)).toBe(0.5);
    expect(s.observe(1.8)).toBe(false);
    expect(s.observe(1.8)).toBe(true); // → max(0.25, 0.3)
    expect(s.lrAt(7)).toBe(0.3);
    expect(s.observe(1.9)).toBe(false);
    expect(s.observe(1.9)).toBe(false); // at minLr: no change
    expect(s.lrAt(0)).toBe(0.3);
  });

  it("plateau state saved mid-run restores to the same future", () => {
    const config = { kind: "plateau", factor: 0.1, patience: 2 } as const;
    const losses = [3, 2.9, 2.95, 2.97, 2.99, 2.98, 2.5, 2.6, 2.7, 2.8];
    const straight = createLrSchedule(config, 0.01);
    const trace: number[] = [];
    for (const l of losses) {
      straight.observe(l);
      trace.push(straight.lrAt(0));
    }
    const first = createLrSchedule(config, 0.01);
    for (const l of losses.slice(0, 4)) first.observe(l);
    const saved = JSON.parse(JSON.stringify(first.state()));
    const resumed = createLrSchedule(config, 0.01, saved);
    const resumedTrace = trace.slice(0, 4);
    for (const l of losses.slice(4)) {
      resumed.observe(l);
      resumedTrace.push(resumed.lrAt(0));
    }
    expect(resumedTrace).toEqual(trace);
    expect(trace).toContain(0.001);
  });

  it("rejects bad configs naming the field", () => {
    expect(() => validateLrSchedule({ kind: "decay", factor: 1.5, after: 1 })).toThrow(/lrSchedule.factor/);
    expect(() => validateLrSchedule({ kind: "plateau", factor: 0.5, patience: -1 })).toThrow(
      /lrSchedule.patience/,
    );
    expect(() => validateLrSchedule({ kind: "cosine" } as never)).toThrow(/lrSchedule.kind must be one of/);
  });
});
