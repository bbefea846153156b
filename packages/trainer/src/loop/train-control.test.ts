import { describe, expect, it } from "vitest";
import type { StepOptions } from "../engine/types";
import { fresh, options, resumeMatches } from "./test-helpers";
import { train } from "./train";
import type { TrainEvent, TrainOptions } from "./train-types";

describe("train: schedules and early stopping through the loop", () => {
  it("cosine with warm-up: each update's lr follows the curve and reaches minLr exactly at maxSteps", async () => {
    const calls: StepOptions[] = [];
    const result = await train(
      options(
        fresh(),
        { maxSteps: 40, lr: 0.5, warmupSteps: 4, lrSchedule: { kind: "cosine", minLr: 0.01 } },
        { calls },
      ),
    );
    expect(result.step).toBe(40);
    const lrs = calls.map((c) => c.lr);
    expect(lrs).toHaveLength(40);
    const cosine = (s: number) => 0.01 + ((0.5 - 0.01) * (1 + Math.cos((Math.PI * s) / 40))) / 2;
    lrs.forEach((lr, s) => {
      expect(lr).toBeCloseTo(cosine(s) * Math.min(1, (s + 1) / 4), 12);
    });
    // Warm-up rises, then the curve only falls; the rate the run would take after its last step is minLr.
    expect(lrs.slice(0, 4)).toEqual([...lrs.slice(0, 4)].sort((a, b) => a - b));
    for (let s = 5; s < 40; s++) expect(lrs[s]!).toBeLessThan(lrs[s - 1]!);
    expect(cosine(40)).toBe(0.01);
  });

  it.each(["cosine", "linear"] as const)(
    "%s over a time budget ends at the budget, measured against the run's own clock",
    async (kind) => {
      // Every clock read advances 10 ms; with a 1 s budget the run's own throughput sets the horizon.
      let t = 0;
      const calls: StepOptions[] = [];
      const result = await train(
        options(fresh(), { timeBudget: 1, lr: 1, lrSchedule: { kind }, now: () => (t += 10) }, { calls }),
      );
      expect(result.stopReason).toBe("time-budget");
      const lrs = calls.map((c) => c.lr);
      // The first update starts within the budget's first 3 % (a couple of clock reads): read on each
      // kind's own curve, so the cosine's flat start is held to its own, tighter rate.
      const curve = { cosine: (p: number) => (1 + Math.cos(Math.PI * p)) / 2, linear: (p: number) => 1 - p };
      expect(lrs[0]).toBeGreaterThan(curve[kind](0.03));
      for (let s = 1; s < lrs.length; s++) expect(lrs[s]!).toBeLessThanOrEqual(lrs[s - 1]!);
      // The last update ran in the budget's final stretch (a few clock reads per step), so near the
      // end of the curve: lr < 0.05 means more than 85 % of the budget was used.
      expect(lrs.at(-1)!).toBeLessThan(0.05);
      expect(lrs.length).toBeGreaterThan(10);
    },
  );

  it("a time-budgeted run validates every valEvery steps and when it stops, not at epoch ends", async () => {
    const validated = async (over: Partial<TrainOptions>) => {
      const events: TrainEvent[] = [];
      const result = await train(options(fresh(), { ...over, onEvent: (e) => events.push(e) }));
      const steps = events.flatMap((e) => (e.type === "validation" ? [e.step] : []));
      return { steps, last: result.step, stopReason: result.stopReason };
    };
    // 19 windows per epoch, valEvery 5.
    const epochs = await validated({ maxSteps: 40 });
    expect(epochs.steps).toEqual([5, 10, 15, 19, 20, 25, 30, 35, 38, 40]);
    let t = 0;
    const budget = await validated({ timeBudget: 1, epochs: 100, now: () => (t += 2) });
    expect(budget.stopReason).toBe("time-budget");
    expect(budget.last).toBeGreaterThan(40);
    const expected = Array.from({ length: Math.floor(budget.last / 5) }, (_, i) => 5 * (i + 1));
    if (budget.last % 5 !== 0) expected.push(budget.last);
    expect(budget.steps).toEqual(expected);
  });

  it("a cosine run interrupted and resumed equals an uninterrupted one", async () => {
    await resumeMatches({ warmupSteps: 3, lrSchedule: { kind: "cosine", minLr: 0.05 } }, 30, 13);
  });

  it("patience with minDelta: small improvements do not reset the count, the best model is still kept", async () => {
    // Validations at steps 5, 10, 15, 19 (epoch end), 20: losses 3, 2.95 (best, but < minDelta better), 2.5.
    const out = fresh();
    const result = await train(
      options(
        out,
        { earlyStopping: 2, minDelta: 0.1, sampleEvery: 0 },
        { valLosses: [3, 2.95, 2.92, 2.5, 1] },
      ),
    );
    expect(result.stopReason).toBe("early-stopped");
    expect(result.step).toBe(15);
    expect(result.bestValLoss).toBe(2.92);
    expect(result.bestStep).toBe(15);
    // Without minDelta the same losses are all new bests: the run goes on.
    const plain = await train(
      options(
        fresh(),
        { earlyStopping: 2, maxSteps: 20, sampleEvery: 0 },
        { valLosses: [3, 2.95, 2.92, 2.5, 1] },
      ),
    );
    expect(plain.stopReason).toBe("max-steps");
  });

  it("refuses bad control settings naming them", () => {
    const bad = [
      [{ warmupSteps: -1 }, /warmupSteps/],
      [{ minDelta: -0.1 }, /minDelta/],
      [{ inputDropout: 1 }, /inputDropout/],
      [{ input: "onehot" as const, inputDropout: 0.2 }, /inputDropout must be 0 with input "onehot"/],
      [{ lrSchedule: { kind: "constant", factor: 0.5 } as never }, /lrSchedule.factor/],
    ] as const;
    return Promise.all(
      bad.map(([over, message]) => expect(train(options(fresh(), over))).rejects.toThrow(message)),
    );
  });
});
