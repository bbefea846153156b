import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHECKPOINT_DIR } from "@charrnn/core";
import type { LabelledText } from "@charrnn/data";
import { referenceClassifierForward } from "@charrnn/models";
import { loadModel } from "@charrnn/models/node";
import { afterAll, describe, expect, it } from "vitest";
import { listCheckpoints } from "../checkpoint/checkpoint-store";
import { acquireDirLock } from "../checkpoint/lock";
import { createOrtEngine } from "../engine/ort/ort-engine";
import { createReferenceEngine } from "../engine/reference-engine";
import { expectSameBits } from "../loop/test-helpers";
import { train } from "../loop/train";
import type { TrainEvent, TrainOptions } from "../loop/train-types";
import { mergeTrainOptions } from "../presets/merge-options";
import { CLASSIFIER_PRESET } from "../presets/presets";

// Classifiers go through `train`, the loop language models use: these tests cover what is specific
// to them, and that the loop's guarantees (lock, checkpoints, resume, divergence) hold for them too.
const NAMES = fileURLToPath(new URL("../../../../test-fixtures/names", import.meta.url));
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-classify-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Two labels told apart by their letters. */
const EVEN_ODD: LabelledText = {
  labels: ["even", "odd"],
  examples: Array.from({ length: 40 }, (_, i) => ({
    text: i % 2 === 0 ? "ab".repeat(1 + (i % 5)) : "cd".repeat(1 + (i % 3)),
    label: i % 2,
  })),
};

/** A small reference-engine classifier run on `EVEN_ODD`, 5 batches per epoch. */
const tiny = (outDir: string, over: Partial<TrainOptions> = {}): TrainOptions => ({
  ...CLASSIFIER_PRESET,
  corpus: EVEN_ODD,
  outDir,
  hidden: 6,
  embed: 4,
  batch: 6,
  epochs: 6,
  lr: 0.05,
  valFraction: 0.25,
  createEngine: async (options) => createReferenceEngine(options),
  ...over,
});

describe("classifier training", () => {
  it("beats the majority baseline on the names corpus by a wide margin within seconds (ort, GRU)", async () => {
    const outDir = tempDir();
    const result = await train({
      ...CLASSIFIER_PRESET,
      corpus: NAMES,
      outDir,
      hidden: 64,
      // Two epochs however long they take (the timeout only guards against a hang): a wall-clock
      // budget would train less on a slow or loaded machine and fail the accuracy bound for the wrong reason.
      epochs: 2,
      seed: 1,
      createEngine: (options) => createOrtEngine({ ...options, threads: 2 }),
    });
    const best = result.bestReport!;
    expect(best.labels).toHaveLength(18);
    expect(best.majorityLabel).toBe("Russian");
    // Observed ≈ 0.77 after 2 epochs against a 0.50 baseline; a 20-point margin holds with room.
    expect(best.accuracy).toBeGreaterThan(best.majorityAccuracy + 0.2);

    // The saved model is the best one and reproduces its validation predictions' shape and labels.
    const model = await loadModel(outDir);
    expect(model.config.head).toEqual({ kind: "classifier", labels: best.labels, pooling: "last" });
    expect(model.training?.valAccuracy).toBe(best.accuracy);
    const ids = Int32Array.from([..."Nakamura"].map((c) => model.vocab.tokens.indexOf(c)));
    const { logits } = referenceClassifierForward(model.config, model.params, ids, Int32Array.of(8), 1, 8);
    const top = logits.indexOf(Math.max(...logits));
    expect(best.labels[top]).toBe("Japanese");
  }, 600_000);

  it("trains with mean pooling and balanced class weights on in-memory data; logs accuracy", async () => {
    const outDir = tempDir();
    const events: TrainEvent[] = [];
    const result = await train(
      tiny(outDir, { pooling: "mean", classWeights: "balanced", onEvent: (e) => events.push(e) }),
    );
    expect(result.bestReport?.count).toBe(10);
    expect(result.bestReport?.accuracy).toBe(1);
    expect(result.stopReason).toBe("completed");
    expect(result.epoch).toBe(6);
    expect(events[0]).toMatchObject({
      type: "start",
      labels: ["even", "odd"],
      trainTokens: 30,
      valTokens: 10,
    });
    const validations = events.filter((e) => e.type === "validation");
    expect(validations).toHaveLength(6);
    const metrics = readFileSync(join(outDir, "metrics.jsonl"), "utf8").trim().split("\n");
    expect(metrics.map((l) => JSON.parse(l)).filter((m) => m.valAccuracy !== undefined)).toHaveLength(6);
  });

  it("an interrupted run resumes to the same weights as an uninterrupted one", async () => {
    const straight = await train(tiny(tempDir(), { checkpointEvery: 4 }));
    const outDir = tempDir();
    const first = await train(tiny(outDir, { checkpointEvery: 4, maxSteps: 13 }));
    expect(first.stopReason).toBe("max-steps");
    expect(listCheckpoints(join(outDir, CHECKPOINT_DIR)).map((c) => c.step)).toContain(12);
    const resumed = await train(tiny(outDir, { checkpointEvery: 4, maxSteps: 0, resume: true }));
    expect(resumed.step).toBe(straight.step);
    expectSameBits(resumed.params, straight.params);
    expect(resumed.bestReport).toEqual(straight.bestReport);
    expect(resumed.bestStep).toBe(straight.bestStep);
  });

  it("checks the output directory before reading any data, and takes its lock", async () => {
    const file = join(tempDir(), "file");
    writeFileSync(file, "x");
    const missing = join(tempDir(), "no-such-data");
    await expect(train(tiny(join(file, "sub"), { corpus: missing }))).rejects.toMatchObject({
      code: "OUTDIR_UNWRITABLE",
    });
    const outDir = tempDir();
    const lock = acquireDirLock(outDir);
    try {
      await expect(train(tiny(outDir))).rejects.toMatchObject({ code: "OUTDIR_LOCKED" });
    } finally {
      lock.release();
    }
    expect(existsSync(join(outDir, "model.safetensors"))).toBe(false);
  });

  it("stops cleanly on divergence, keeping the last good checkpoint", async () => {
    const outDir = tempDir();
    // The same texts under both labels: no weights fit them, so a huge step overshoots for good.
    const clash: LabelledText = {
      labels: ["a", "b"],
      examples: Array.from({ length: 40 }, (_, i) => ({ text: "abcd".slice(0, 1 + (i % 4)), label: i % 2 })),
    };
    const events: TrainEvent[] = [];
    const over = { optimizer: { kind: "sgd" as const }, lr: 1e6, clip: 0, checkpointEvery: 1 };
    const result = await train(tiny(outDir, { ...over, corpus: clash, onEvent: (e) => events.push(e) }));
    expect(result.stopReason).toBe("diverged");
    expect(result.step).toBe(1);
    expect(result.checkpoint).toBe(listCheckpoints(join(outDir, CHECKPOINT_DIR))[0]?.path);
    expect(events.flatMap((e) => (e.type === "warning" ? [e.message] : []))).toEqual([
      expect.stringMatching(/^training diverged at step 2 \(loss [\d.e+]+ nats, over 10\.00: /),
    ]);
  });

  it("validates its settings", () => {
    const classifier = (flags: Record<string, unknown>) =>
      mergeTrainOptions(CLASSIFIER_PRESET, undefined, flags);
    expect(() => classifier({ pooling: "max" })).toThrow(/pooling/);
    expect(() => classifier({ valFraction: 0 })).toThrow(/valFraction/);
    expect(() => classifier({ sampleEvery: 10 })).toThrow(/sampleEvery/);
    expect(() => mergeTrainOptions(undefined, undefined, { pooling: "mean" })).toThrow(/classifier setting/);
    expect(classifier({ hidden: 7 }).hidden).toBe(7);
  });
});
