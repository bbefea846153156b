import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BEST_CHECKPOINT, CHECKPOINT_DIR, checkpointFileName } from "@charrnn/core";
import { loadModel } from "@charrnn/models/node";
import { describe, expect, it } from "vitest";
import { listCheckpoints, readCheckpoint } from "../checkpoint/checkpoint-store";
import { acquireDirLock } from "../checkpoint/lock";
import type { EngineOptions } from "../engine/types";
import { createFakeEngine, expectSameBits, fresh, options, resumeMatches, text } from "./test-helpers";
import { train } from "./train";
import type { TrainEvent } from "./train-types";

describe("train (fake engine)", () => {
  it("stream layout: interrupted + resumed equals uninterrupted, bit for bit, across epochs", async () => {
    // 630 train tokens, 4 streams of 157, 19 windows per epoch: 45 steps cross two epoch boundaries.
    const { out } = await resumeMatches(
      { layout: "stream", lrSchedule: { kind: "decay", factor: 0.5, after: 1 } },
      45,
      23,
    );
    expect(readCheckpoint(join(out, CHECKPOINT_DIR, checkpointFileName(45))).progress).toMatchObject({
      step: 45,
      epoch: 2,
      window: 7,
    });
  });

  it("shifted layout: resumes bit for bit across epochs, and moves the window cuts each epoch", async () => {
    await resumeMatches({ layout: "shifted", lrSchedule: { kind: "decay", factor: 0.5, after: 1 } }, 45, 23);
    // The first window of each of 6 epochs (19 windows each), as the engine got it.
    const firstWindows = async (layout: "stream" | "shifted") => {
      const seen: string[] = [];
      const createEngine = async (o: EngineOptions) => {
        const engine = createFakeEngine(o);
        const step = engine.trainStep.bind(engine);
        engine.trainStep = (batch, state, stepOptions) => {
          seen.push(Array.from(batch.x.subarray(0, 8)).join(","));
          return step(batch, state, stepOptions);
        };
        return engine;
      };
      await train(options(fresh(), { layout, createEngine, maxSteps: 6 * 19 }));
      return seen.filter((_, call) => call % 19 === 0);
    };
    const stream = await firstWindows("stream");
    const shifted = await firstWindows("shifted");
    expect(stream).toHaveLength(6);
    expect(new Set(stream).size).toBe(1);
    expect(shifted).toHaveLength(6);
    expect(new Set(shifted).size).toBeGreaterThan(1);
  });

  it("shuffle layout with a plateau schedule: interrupted + resumed equals uninterrupted", async () => {
    await resumeMatches(
      { layout: "shuffle", lrSchedule: { kind: "plateau", factor: 0.5, patience: 0 } },
      40,
      17,
    );
  });

  it("writes metrics, config, the model file, periodic checkpoints (last K) and the best one", async () => {
    const out = fresh();
    const result = await train(options(out, { maxSteps: 21 }));
    expect(result.step).toBe(21);
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.trainLoss !== undefined)).toHaveLength(21);
    const val = lines.filter((l) => l.valLoss !== undefined);
    expect(val.map((l) => l.step)).toEqual([5, 10, 15, 19, 20, 21]);
    for (const l of val) {
      expect(l.valBpc).toBeCloseTo(l.valLoss / Math.LN2, 12);
      expect(l.valPpl).toBeCloseTo(Math.exp(l.valLoss), 9);
    }
    expect(Math.min(...val.map((l) => l.valLoss))).toBe(result.bestValLoss);
    const dir = join(out, CHECKPOINT_DIR);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([21, 14]);
    expect(readCheckpoint(join(dir, BEST_CHECKPOINT)).progress.step).toBe(result.bestStep);
    const model = await loadModel(out);
    expectSameBits(model.params, readCheckpoint(join(dir, BEST_CHECKPOINT)).params);
    expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).settings.seq).toBe(8);
    expect(existsSync(join(out, "train.lock"))).toBe(false);
  });

  it("stops early after `earlyStopping` validations without a new best", async () => {
    const out = fresh();
    const result = await train(
      options(out, { earlyStopping: 2, sampleEvery: 0 }, { valLosses: [3, 2, 2.5, 2.1, 2.2, 1] }),
    );
    expect(result.stopReason).toBe("early-stopped");
    // 19 windows per epoch: validations at 5 (3), 10 (2, best), 15 (2.5), 19 (epoch end, 2.1): 2 bad.
    expect(result.step).toBe(19);
    expect(result.bestValLoss).toBe(2);
    expect(result.bestStep).toBe(10);
    expect(readCheckpoint(join(out, CHECKPOINT_DIR, BEST_CHECKPOINT)).progress.step).toBe(10);
  });

  it("stops on a NaN loss and keeps the last good checkpoint", async () => {
    const out = fresh();
    const events: TrainEvent[] = [];
    const result = await train(options(out, { onEvent: (e) => events.push(e) }, { nanAtCall: 16 }));
    expect(result.stopReason).toBe("diverged");
    expect(result.step).toBe(15);
    expect(listCheckpoints(join(out, CHECKPOINT_DIR)).map((c) => c.step)).toEqual([14, 7]);
    expect(result.checkpoint).toBe(join(out, CHECKPOINT_DIR, checkpointFileName(14)));
    expect(events.some((e) => e.type === "warning" && /diverged at step 16/.test(e.message))).toBe(true);
  });

  it("an abort finishes the step, writes a checkpoint and returns", async () => {
    const out = fresh();
    const controller = new AbortController();
    const result = await train(
      options(out, {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === "progress" && e.step === 3) controller.abort();
        },
      }),
    );
    expect(result.stopReason).toBe("interrupted");
    expect(readdirSync(join(out, CHECKPOINT_DIR))).toContain(checkpointFileName(3));
    expect(readCheckpoint(join(out, CHECKPOINT_DIR, checkpointFileName(3))).progress.window).toBe(3);
  });

  it("resume refuses another vocabulary or window layout; a fresh run refuses a used outDir", async () => {
    const out = fresh();
    await train(options(out, { maxSteps: 7 }));
    const other = options(out, { resume: true, corpus: { text: `${text}~` } });
    await expect(train(other)).rejects.toThrow(
      expect.objectContaining({
        code: "RESUME_VOCAB_MISMATCH",
        message: expect.stringMatching(/sha256:\w+ differs from sha256:\w+ in .*ckpt-00000007\.safetensors/),
      }),
    );
    await expect(train(options(out, { resume: true, seq: 9 }))).rejects.toThrow(
      /cannot resume .* with seq 9/,
    );
    await expect(train(options(out, {}))).rejects.toThrow(
      expect.objectContaining({ code: "OUTDIR_NOT_EMPTY" }),
    );
    await expect(train(options(fresh(), { resume: true }))).rejects.toThrow(
      expect.objectContaining({ code: "RESUME_NOT_FOUND" }),
    );
  });

  it("refuses an outDir locked by a running training", async () => {
    const out = fresh();
    const lock = acquireDirLock(out);
    await expect(train(options(out, { maxSteps: 2 }))).rejects.toThrow(/in use/);
    lock.release();
  });

  it("stops at the time budget, and resuming from there equals an uninterrupted run", async () => {
    let clock = 0;
    const now = () => {
      clock += 30;
      return clock;
    };
    const plateau = { lrSchedule: { kind: "plateau", factor: 0.5, patience: 0 } } as const;
    const out = fresh();
    const paused = await train(options(out, { ...plateau, timeBudget: 1, now }));
    expect(paused.stopReason).toBe("time-budget");
    expect(paused.step).toBeGreaterThan(0);
    expect(paused.step).toBeLessThan(30);
    const total = paused.step + 12;
    const resumed = await train(options(out, { ...plateau, resume: true, maxSteps: total }));
    const straight = await train(options(fresh(), { ...plateau, maxSteps: total }));
    expect(resumed.step).toBe(total);
    expectSameBits(resumed.params, straight.params);
  });
});
