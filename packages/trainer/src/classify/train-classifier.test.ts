import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { referenceClassifierForward } from "@charrnn/models";
import { loadModel } from "@charrnn/models/node";
import { afterAll, describe, expect, it } from "vitest";
import { createOrtEngine } from "../engine/ort/ort-engine";
import { createReferenceEngine } from "../engine/reference-engine";
import { resolveClassifierSettings, trainClassifier } from "./train-classifier";

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

describe("trainClassifier", () => {
  it("beats the majority baseline on the names corpus by a wide margin within seconds (ort, GRU)", async () => {
    const outDir = tempDir();
    const result = await trainClassifier({
      data: NAMES,
      outDir,
      cell: "gru",
      hidden: 64,
      epochs: 2,
      timeBudget: 25,
      seed: 1,
      createEngine: (options) => createOrtEngine({ ...options, threads: 2 }),
    });
    const { best } = result;
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
  }, 60_000);

  it("trains with mean pooling, balanced class weights and the reference engine on in-memory data", async () => {
    const result = await trainClassifier({
      data: {
        labels: ["even", "odd"],
        examples: Array.from({ length: 40 }, (_, i) => ({
          text: i % 2 === 0 ? "ab".repeat(1 + (i % 5)) : "cd".repeat(1 + (i % 3)),
          label: i % 2,
        })),
      },
      outDir: tempDir(),
      hidden: 6,
      embed: 4,
      batch: 8,
      epochs: 6,
      lr: 0.05,
      pooling: "mean",
      classWeights: "balanced",
      valFraction: 0.25,
      createEngine: async (options) => createReferenceEngine(options),
    });
    expect(result.best.count).toBe(10);
    expect(result.best.accuracy).toBe(1);
    expect(result.stopReason).toBe("completed");
    expect(result.epochs).toBe(6);
  });

  it("validates its settings", () => {
    expect(() => resolveClassifierSettings({ pooling: "max" as "last" })).toThrow(/pooling/);
    expect(() => resolveClassifierSettings({ valFraction: 1 })).toThrow(/valFraction/);
    expect(resolveClassifierSettings({ hidden: 7 }).hidden).toBe(7);
  });
});
