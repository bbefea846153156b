import { readFileSync } from "node:fs";
import { CharrnnError, createRng } from "@charrnn/core";
import { parseModel } from "@charrnn/models";
import { createOrtRuntimeEngine } from "@charrnn/trainer/browser";
import { describe, expect, it } from "vitest";
import {
  type BrowserTrainSettings,
  checkCorpus,
  createBrowserTrainer,
  DEFAULT_BROWSER_SETTINGS,
  MIN_CORPUS_CHARS,
  REFERENCE_CANDIDATE,
} from "./browser-trainer";
import type { EngineCandidate } from "./fallback-engine";

// The text the page trains on by default, shortened so that a run takes a second or two.
const excerpt = readFileSync(new URL("../public/corpus/shakespeare-excerpt.txt", import.meta.url), "utf8");
const text = excerpt.slice(0, 20_000);
const tiny: BrowserTrainSettings = {
  cell: "gru",
  hidden: 32,
  layers: 1,
  seq: 16,
  batch: 8,
  lr: 1e-2,
  seed: 7,
};
const STEPS = 150;

async function run(
  settings: BrowserTrainSettings,
  steps = STEPS,
  engines: readonly EngineCandidate[] = [REFERENCE_CANDIDATE],
) {
  const trainer = await createBrowserTrainer(text, settings, engines);
  const first = await trainer.validate();
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((await trainer.step()).loss);
  return { trainer, first, losses, last: await trainer.validate() };
}

describe("createBrowserTrainer", () => {
  it("lowers the training and validation loss well below chance in 150 steps, the same for the same seed", async () => {
    const a = await run(tiny);
    const chance = Math.log(a.trainer.vocab.size);
    // An untrained model is about as good as a uniform guess…
    expect(Math.abs(a.first - chance)).toBeLessThan(0.3);
    expect(Math.abs(a.losses[0]! - chance)).toBeLessThan(0.3);
    // …and 150 updates (more than one epoch of this text: the state resets at its end) learn a lot.
    expect(STEPS).toBeGreaterThan(a.trainer.windowsPerEpoch);
    const lastTen = a.losses.slice(-10).reduce((s, l) => s + l, 0) / 10;
    expect(lastTen).toBeLessThan(chance - 1);
    expect(a.last).toBeLessThan(chance - 1);
    expect(a.trainer.steps).toBe(STEPS);

    const b = await run(tiny);
    expect(b.losses).toEqual(a.losses);
    expect(b.last).toBe(a.last);
    expect(await b.trainer.sample(80, createRng(3))).toBe(await a.trainer.sample(80, createRng(3)));
    const c = await run({ ...tiny, seed: 8 }, 5);
    expect(c.losses).not.toEqual(a.losses.slice(0, 5));
  });

  it("samples from the current weights and saves them as a model file the page can open", async () => {
    const trainer = await createBrowserTrainer(text, { ...tiny, cell: "lstm" });
    const sample = await trainer.sample(50);
    expect([...sample]).toHaveLength(50);
    for (const ch of sample) expect(trainer.vocab.idOf(ch)).toBeDefined();
    await trainer.step();
    const loss = await trainer.validate();
    const file = parseModel(await trainer.modelFile());
    expect(file.config).toEqual(trainer.config);
    expect(file.vocab.hash).toBe(trainer.vocab.hash);
    expect(file.training).toMatchObject({ step: 1, valLoss: loss, cell: "lstm", lr: tiny.lr });
    trainer.dispose();
    await expect(trainer.step()).rejects.toThrow(/disposed/);
  });

  it("trains on onnxruntime-web (the ORT engine's graphs) as the reference engine does", async () => {
    const ortWeb: EngineCandidate = {
      label: "onnxruntime-web",
      create: async (options) =>
        createOrtRuntimeEngine({ ...options, ort: await import("onnxruntime-web"), backend: "wasm" }),
    };
    const ort = await run(tiny, 40, [ortWeb, REFERENCE_CANDIDATE]);
    expect(ort.trainer.engineLabel).toBe("onnxruntime-web");
    expect(ort.trainer.skippedEngines).toEqual([]);
    expect(ort.last).toBeLessThan(ort.first - 0.5);
    // float32 graphs against float64 BPTT: the same run, to rounding, step by step.
    const ref = await run(tiny, 40);
    expect(Math.abs(ort.first - ref.first)).toBeLessThan(1e-4);
    for (let i = 0; i < 40; i++) expect(Math.abs(ort.losses[i]! - ref.losses[i]!)).toBeLessThan(2e-3);
    const file = parseModel(await ort.trainer.modelFile());
    expect(file.training).toMatchObject({ engine: "ort", backend: "wasm" });
  });

  it("falls back to the next engine, from the same weights, when one fails before its first update", async () => {
    const broken: EngineCandidate = {
      label: "broken GPU",
      create: async (options) => {
        const engine = await REFERENCE_CANDIDATE.create(options);
        engine.evaluate = () => Promise.reject(new Error("no adapter"));
        return engine;
      },
    };
    const fell = await run(tiny, 5, [broken, REFERENCE_CANDIDATE]);
    expect(fell.trainer.engineLabel).toBe(REFERENCE_CANDIDATE.label);
    expect(fell.trainer.skippedEngines).toEqual(["broken GPU: no adapter"]);
    const ref = await run(tiny, 5);
    expect(fell.losses).toEqual(ref.losses);
    expect(fell.last).toBe(ref.last);
  });

  it("refuses text too short to train on, saying how much is needed", async () => {
    const short = excerpt.slice(0, MIN_CORPUS_CHARS - 1);
    expect(checkCorpus(short, tiny)).toMatch(/has 499 characters; training needs at least 500/);
    expect(checkCorpus(excerpt.slice(0, MIN_CORPUS_CHARS), tiny)).toBeUndefined();
    // The default batch × seq needs more than the minimum.
    expect(checkCorpus(excerpt.slice(0, 520), DEFAULT_BROWSER_SETTINGS)).toMatch(
      /at least 572\b.*lower the batch/,
    );
    await expect(createBrowserTrainer("too short", tiny)).rejects.toThrow(CharrnnError);
    await expect(createBrowserTrainer("too short", tiny)).rejects.toThrow(
      expect.objectContaining({ code: "CORPUS_TOO_SHORT" }),
    );
  });
});
