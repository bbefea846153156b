import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CHECKPOINT_DIR, CharrnnRangeError, checkpointFileName } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import { listCheckpoints, readCheckpoint } from "../checkpoint/checkpoint-store";
import type { StepOptions } from "../engine/types";
import { mergeTrainOptions } from "../presets/merge-options";
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings, validateTrainSettings } from "./settings";
import { expectSameBits, fresh, options } from "./test-helpers";
import { train } from "./train";
import type { TrainEvent } from "./train-types";

// The fake engine's runs (test-helpers.ts): lr 0.5, 19 windows per epoch, checkpoints every 7 steps.
const warnings = (events: TrainEvent[]) => events.flatMap((e) => (e.type === "warning" ? [e.message] : []));

describe("divergence rollback", () => {
  it("rolls back to the last checkpoint, halves the lr, replays the same steps and completes", async () => {
    const out = fresh();
    const calls: StepOptions[] = [];
    const events: TrainEvent[] = [];
    const result = await train(
      options(
        out,
        { onDiverge: "rollback", maxSteps: 28, onEvent: (e) => events.push(e) },
        { nanAtCall: 16, calls },
      ),
    );
    expect(result.stopReason).toBe("max-steps");
    expect(result.step).toBe(28);
    expect(result.rollbacks).toBe(1);
    expect(warnings(events)).toEqual([
      expect.stringMatching(
        /^training diverged at step 16 \(loss NaN, gradient norm [\d.]+\); rolled back to checkpoint step 14 and halved the learning rate \(scale 0\.5, rollback 1 of 3\)$/,
      ),
    ]);
    // Calls 1–16 are steps 1–16; call 17 replays step 15 (same dropout seed) at half the lr.
    expect(calls).toHaveLength(16 + 14);
    expect(calls[16]!.dropoutSeed).toBe(calls[14]!.dropoutSeed);
    expect(calls[16]!.lr).toBe(calls[14]!.lr / 2);
    expect(new Set(calls.slice(16).map((c) => c.lr))).toEqual(new Set([calls[0]!.lr / 2]));
    expect(events.at(-1)).toMatchObject({ type: "end", rollbacks: 1 });

    const dir = join(out, CHECKPOINT_DIR);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([28, 21]);
    for (const step of [21, 28]) {
      expect(readCheckpoint(join(dir, checkpointFileName(step))).progress).toMatchObject({
        step,
        lrScale: 0.5,
        rollbacks: 1,
      });
    }
    const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(metrics.filter((m) => m.rollback !== undefined)).toEqual([
      { step: 14, epoch: 0, rollback: 1, lrScale: 0.5, elapsed: expect.any(Number) },
    ]);
    expect(metrics.filter((m) => m.trainLoss !== undefined).at(-1).lr).toBe(0.25);
    // The abandoned steps 15 and 16 left the log: its steps never go back.
    const logged = metrics.map((m) => m.step as number);
    expect(logged).toEqual([...logged].sort((a, b) => a - b));

    // Every piece of state came back from the checkpoint: the same as training 14 steps, then
    // resuming them at half the lr.
    const other = fresh();
    await train(options(other, { maxSteps: 14 }));
    const resumed = await train(options(other, { maxSteps: 28, resume: true, lr: 0.25 }));
    expectSameBits(result.params, resumed.params);
  });

  it("checks the weights before each checkpoint: non-finite ones roll back too", async () => {
    // The poisoned weight is never read by the fake model: only the check before a checkpoint sees
    // it, at the periodic one of step 21 or at the final one of step 20.
    for (const [maxSteps, seenAt] of [
      [28, 21],
      [20, 20],
    ] as const) {
      const events: TrainEvent[] = [];
      const over = { valFraction: 0, sampleEvery: 0, maxSteps, onEvent: (e: TrainEvent) => events.push(e) };
      const result = await train(options(fresh(), { ...over, onDiverge: "rollback" }, { poisonAtCall: 16 }));
      expect(result.stopReason).toBe("max-steps");
      expect(result.step).toBe(maxSteps);
      expect(result.rollbacks).toBe(1);
      expect(warnings(events)).toEqual([
        `weights became non-finite by step ${seenAt}; rolled back to checkpoint step 14 and halved the learning rate (scale 0.5, rollback 1 of 3)`,
      ]);
      for (const t of result.params.values()) expect(t.data.every(Number.isFinite)).toBe(true);
    }
    // The default stops there instead.
    const events: TrainEvent[] = [];
    const stopped = await train(
      options(
        fresh(),
        { valFraction: 0, maxSteps: 28, onEvent: (e) => events.push(e) },
        { poisonAtCall: 16 },
      ),
    );
    expect(stopped.stopReason).toBe("diverged");
    expect(stopped.rollbacks).toBe(0);
    expect(warnings(events)).toEqual([
      "weights became non-finite by step 21; keeping the last good checkpoint — lower lr or clip",
    ]);
  });

  it("stops as diverged once maxRollbacks are used, keeping the last good checkpoint", async () => {
    const out = fresh();
    const events: TrainEvent[] = [];
    const calls: StepOptions[] = [];
    const result = await train(
      options(
        out,
        { onDiverge: "rollback", maxRollbacks: 2, onEvent: (e) => events.push(e) },
        { nanFromCall: 16, calls },
      ),
    );
    expect(result.stopReason).toBe("diverged");
    expect(result.step).toBe(14);
    expect(result.rollbacks).toBe(2);
    expect(calls.map((c) => c.lr).slice(15)).toEqual([0.5, 0.25, 0.125]);
    const messages = warnings(events);
    expect(messages).toHaveLength(3);
    expect(messages[1]).toMatch(/^training diverged at step 15 .*scale 0\.25, rollback 2 of 2\)$/);
    expect(messages[2]).toMatch(
      /^training diverged at step 15 \(loss NaN, .*\); no rollbacks left \(2 used\); keeping the last good checkpoint — lower lr or clip$/,
    );
    const dir = join(out, CHECKPOINT_DIR);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([14, 7]);
    expect(result.checkpoint).toBe(join(dir, checkpointFileName(14)));
    expect(readCheckpoint(join(dir, checkpointFileName(14))).progress).toMatchObject({
      step: 14,
      rollbacks: 0,
    });
  });

  it("a finite loss far above ln V (a uniform guess) is divergence too", async () => {
    const events: TrainEvent[] = [];
    const out = fresh();
    const stopped = await train(options(out, { onEvent: (e) => events.push(e) }, { runawayAtCall: 16 }));
    expect(stopped.stopReason).toBe("diverged");
    expect(stopped.step).toBe(15);
    expect(stopped.checkpoint).toBe(join(out, CHECKPOINT_DIR, checkpointFileName(14)));
    // The fake corpus has a vocab of V tokens: the limit is 10 × ln V.
    expect(warnings(events)).toEqual([
      expect.stringMatching(
        /^training diverged at step 16 \(loss 1\.000e\+6 nats, over [\d.]+: 10 × ln V, at least 10, where ln V is a uniform guess's loss; gradient norm [\d.]+\); keeping the last good checkpoint/,
      ),
    ]);
    const rolled = await train(
      options(fresh(), { onDiverge: "rollback", maxSteps: 28 }, { runawayAtCall: 16 }),
    );
    expect(rolled).toMatchObject({ stopReason: "max-steps", step: 28, rollbacks: 1 });
  });

  it("stops as diverged when no checkpoint was written yet", async () => {
    const events: TrainEvent[] = [];
    const result = await train(
      options(fresh(), { onDiverge: "rollback", onEvent: (e) => events.push(e) }, { nanFromCall: 3 }),
    );
    expect(result.stopReason).toBe("diverged");
    expect(result.step).toBe(2);
    expect(result.checkpoint).toBeUndefined();
    expect(warnings(events)).toEqual([
      expect.stringMatching(
        /^training diverged at step 3 .*; no checkpoint to roll back to; keeping the last good/,
      ),
    ]);
  });

  it("a resumed run keeps the halved lr and the rollback count; onDiverge may change on resume", async () => {
    const out = fresh();
    const first = await train(options(out, { onDiverge: "rollback", maxSteps: 21 }, { nanAtCall: 16 }));
    expect(first.rollbacks).toBe(1);
    const calls: StepOptions[] = [];
    const resumed = await train(options(out, { resume: true, onDiverge: "stop", maxSteps: 30 }, { calls }));
    expect(resumed.stopReason).toBe("max-steps");
    expect(resumed.rollbacks).toBe(1);
    expect(calls).toHaveLength(9);
    expect(new Set(calls.map((c) => c.lr))).toEqual(new Set([0.25]));
  });
});

describe("divergence settings", () => {
  const valid = (over: Partial<TrainSettings>) =>
    validateTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, ...over });

  it("default to stopping, with 3 rollbacks when rollback is chosen", () => {
    expect(mergeTrainOptions()).toMatchObject({ onDiverge: "stop", maxRollbacks: 3 });
    expect(mergeTrainOptions(undefined, { onDiverge: "rollback", maxRollbacks: 0 })).toMatchObject({
      onDiverge: "rollback",
      maxRollbacks: 0,
    });
  });

  const bad: [Partial<Record<keyof TrainSettings, unknown>>, string, RegExp][] = [
    [{ onDiverge: "retry" }, "onDiverge", /^onDiverge must be one of "stop", "rollback", got "retry"$/],
    [{ maxRollbacks: -1 }, "maxRollbacks", /^maxRollbacks must be an integer ≥ 0, got -1$/],
    [{ maxRollbacks: 1.5 }, "maxRollbacks", /^maxRollbacks must be an integer ≥ 0, got 1\.5$/],
    [{ maxRollbacks: "2" }, "maxRollbacks", /^maxRollbacks must be an integer ≥ 0, got "2"$/],
  ];
  for (const [over, option, message] of bad) {
    it(`refuses ${JSON.stringify(over)} naming ${option}`, () => {
      let caught: unknown;
      try {
        valid(over as Partial<TrainSettings>);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CharrnnRangeError);
      expect((caught as CharrnnRangeError).option).toBe(option);
      expect((caught as Error).message).toMatch(message);
    });
  }
});
