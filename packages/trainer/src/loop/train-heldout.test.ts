import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadModel } from "@charrnn/models/node";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { evaluateSplit } from "./evaluate";
import { fresh, options, resumeMatches, runEngine, text } from "./test-helpers";
import { train } from "./train";
import type { TrainEvent } from "./train-types";

// Held-out files: words the training text lacks ("zounds", "é"), and a character it lacks ("é").
const dir = fresh();
const validFile = join(dir, "valid.txt");
const testFile = join(dir, "test.txt");
writeFileSync(validFile, "the king is dead zounds\nlong live the king\n".repeat(4));
writeFileSync(testFile, "what say you é\nmy lord\n".repeat(3));
// Scored in 3 streams (valBatch), not the training batch's 4.
const word = { level: "word", validFile, testFile, valEvery: 0, valBatch: 3 } as const;

describe("train with validFile / testFile", () => {
  it("word level: vocab from the training text only, held-out OOV words → <unk>, test scored on the final weights", async () => {
    const out = fresh();
    const events: TrainEvent[] = [];
    const result = await train(options(out, { ...word, maxSteps: 30, onEvent: (e) => events.push(e) }));
    const vocab = Vocab.fromText(text, { level: "word" });
    const model = await loadModel(out);
    expect(model.vocab.hash).toBe(vocab.hash);
    expect(vocab.idOf("zounds")).toBeUndefined();
    const valIds = vocab.encode(readFileSync(validFile, "utf8"), { oov: "unk" });
    const testIds = vocab.encode(readFileSync(testFile, "utf8"), { oov: "unk" });
    expect(testIds).toContain(vocab.unkId);
    const start = events.find((e) => e.type === "start");
    // The whole corpus trains; validation is the valid file.
    expect(start).toMatchObject({ trainTokens: vocab.encode(text, { oov: "unk" }).length });
    expect(start).toMatchObject({ valTokens: valIds.length, testTokens: testIds.length });

    // Validation and test losses equal an independent evaluation of the same ids.
    const engine = runEngine(out, 30, result.params);
    const split = { batch: 3, steps: 16 };
    expect(result.testLoss).toBe(await evaluateSplit(engine, testIds, split));
    expect(result.lastValLoss).toBe(await evaluateSplit(engine, valIds, split));
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const last = lines.at(-1);
    expect(last).toMatchObject({ step: 30, testLoss: result.testLoss });
    expect(last.testPpl).toBeCloseTo(Math.exp(result.testLoss!), 9);
    expect(events.at(-2)).toMatchObject({ type: "test", testLoss: result.testLoss });
    expect(lines.filter((l) => l.valPpl !== undefined).length).toBeGreaterThan(0);
  });

  it("emits one epoch summary per epoch with its validation and throughput", async () => {
    const events: TrainEvent[] = [];
    // 13 windows per epoch of 4 × 8 tokens (word level: 430 training tokens).
    const result = await train(options(fresh(), { ...word, epochs: 2, onEvent: (e) => events.push(e) }));
    const epochs = events.filter((e): e is Extract<TrainEvent, { type: "epoch" }> => e.type === "epoch");
    const validations = events.filter((e) => e.type === "validation");
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(epochs.map((e) => e.step)).toEqual(validations.map((e) => e.step));
    expect(epochs[1]!.step).toBe(result.step);
    for (const [i, e] of epochs.entries()) {
      const progress = events.filter(
        (p): p is Extract<TrainEvent, { type: "progress" }> =>
          p.type === "progress" && p.step > (i === 0 ? 0 : epochs[0]!.step) && p.step <= e.step,
      );
      // logEvery 1: the epoch's training loss is the mean of its steps' losses.
      const mean = progress.reduce((sum, p) => sum + p.loss, 0) / progress.length;
      expect(e.trainLoss).toBeCloseTo(mean, 12);
      expect(e.trainPpl).toBeCloseTo(Math.exp(e.trainLoss), 9);
      expect(e.valPpl).toBeCloseTo(Math.exp(e.valLoss!), 9);
      expect(e.tokensPerSec).toBeGreaterThan(0);
    }
  });

  it("char level: the vocab takes the held-out files' characters too", async () => {
    const out = fresh();
    const result = await train(options(out, { validFile, testFile, maxSteps: 3 }));
    const model = await loadModel(out);
    expect(model.vocab.tokens).toContain("é");
    expect(model.vocab.tokens).toContain("z");
    expect(result.testLoss).toBeGreaterThan(0);
  });

  it("interrupted + resumed equals uninterrupted, and a resume cannot change the valid file", async () => {
    const { out } = await resumeMatches({ ...word, valEvery: 5 }, 30, 11);
    await expect(train(options(out, { ...word, validFile: testFile, resume: true }))).rejects.toThrow(
      /cannot resume .* with validFile/,
    );
  });
});
