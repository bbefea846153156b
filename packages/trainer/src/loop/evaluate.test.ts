import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadModel } from "@charrnn/models/node";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { evaluateSplit, splitStreams } from "./evaluate";
import { fresh, options, runEngine, shakespeare } from "./test-helpers";
import { train } from "./train";
import type { TrainEvent } from "./train-types";

describe("splitStreams", () => {
  it("cuts batch streams and caps each stream's scored tokens at floor(maxTokens / batch), at least 1", () => {
    expect(splitStreams(1000, { batch: 4, steps: 16 })).toEqual({ batch: 4, streamLength: 250, scored: 249 });
    expect(splitStreams(1000, { batch: 4, steps: 16, maxTokens: 0 })).toEqual({
      batch: 4,
      streamLength: 250,
      scored: 249,
    });
    expect(splitStreams(1000, { batch: 4, steps: 16, maxTokens: 103 })).toEqual({
      batch: 4,
      streamLength: 250,
      scored: 25,
    });
    expect(splitStreams(1000, { batch: 4, steps: 16, maxTokens: 2 }).scored).toBe(1);
    expect(splitStreams(1000, { batch: 4, steps: 16, maxTokens: 5000 }).scored).toBe(249);
    // Fewer tokens than twice the streams: fewer streams.
    expect(splitStreams(9, { batch: 16, steps: 16 })).toEqual({ batch: 4, streamLength: 2, scored: 1 });
    expect(splitStreams(1, { batch: 16, steps: 16 }).scored).toBe(0);
  });
});

describe("valMaxTokens", () => {
  it("validates on the head of every stream: the loss of those tokens, announced in the start event", async () => {
    const dir = fresh();
    const validFile = join(dir, "valid.txt");
    writeFileSync(validFile, shakespeare.slice(5000, 5803)); // 803 tokens: 16 streams of 50
    const out = fresh();
    const events: TrainEvent[] = [];
    const over = { validFile, valEvery: 0, valBatch: 16, valMaxTokens: 100, maxSteps: 10 };
    const result = await train(options(out, { ...over, onEvent: (e) => events.push(e) }));
    // 100 / 16 streams = 6 scored tokens each.
    expect(events.find((e) => e.type === "start")).toMatchObject({ valTokens: 803, valScored: 96 });

    const model = await loadModel(out);
    const ids = Vocab.fromJSON(model.vocab).encode(readFileSync(validFile, "utf8"));
    const engine = runEngine(out, 10, result.params);
    const scoring = { batch: 16, steps: 16 };
    // The same as scoring a text made of each stream's first 7 tokens (the 1st is context only).
    const heads = new Int32Array(16 * 7);
    for (let b = 0; b < 16; b++) heads.set(ids.subarray(b * 50, b * 50 + 7), b * 7);
    const sample = await evaluateSplit(engine, heads, scoring);
    expect(result.lastValLoss).toBe(sample);
    expect(await evaluateSplit(engine, ids, { ...scoring, maxTokens: 100 })).toBe(sample);
    // And not the whole split's loss.
    expect(Math.abs((await evaluateSplit(engine, ids, scoring))! - sample!)).toBeGreaterThan(1e-6);

    // Uncapped, the start event says nothing of a sample.
    const plain: TrainEvent[] = [];
    await train(options(fresh(), { ...over, valMaxTokens: 0, maxSteps: 1, onEvent: (e) => plain.push(e) }));
    expect(plain.find((e) => e.type === "start")).not.toHaveProperty("valScored");
  });

  it("is an integer ≥ 0", async () => {
    await expect(train(options(fresh(), { valMaxTokens: -1 }))).rejects.toThrow(/valMaxTokens/);
    await expect(train(options(fresh(), { valMaxTokens: 1.5 }))).rejects.toThrow(/valMaxTokens/);
  });
});
