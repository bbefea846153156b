import { createRng } from "@charrnn/core";
import { defaultConfig, initParams, zeroState } from "@charrnn/models";
import { describe, expect, it } from "vitest";
import { REFERENCE_CANDIDATE } from "./browser-trainer";
import { createFallbackEngine, type EngineCandidate } from "./fallback-engine";

const config = defaultConfig({ cell: "gru", layers: 1, hidden: 8, vocabSize: 5 });
const options = () => ({
  config,
  params: initParams(config, createRng(1)),
  optimizer: { kind: "adam" as const },
});
const batch = { x: new Int32Array([1, 2, 3, 4]), y: new Int32Array([2, 3, 4, 0]), batch: 1, steps: 4 };
const step = { lr: 1e-2, clipNorm: 5, dropoutSeed: 0 };

describe("createFallbackEngine", () => {
  it("moves on when a candidate cannot even start, saying why", async () => {
    const missing: EngineCandidate = {
      label: "onnxruntime-web",
      create: () => Promise.reject(new Error("failed to fetch the wasm")),
    };
    const engine = await createFallbackEngine([missing, REFERENCE_CANDIDATE], options());
    expect(engine.label).toBe(REFERENCE_CANDIDATE.label);
    expect(engine.name).toBe("reference");
    expect(engine.skipped).toEqual(["onnxruntime-web: failed to fetch the wasm"]);
    expect((await engine.trainStep(batch, zeroState(config, 1), step)).loss).toBeGreaterThan(0);
  });

  it("keeps the engine that trained: a later failure is the run's error, not a silent switch", async () => {
    let calls = 0;
    const flaky: EngineCandidate = {
      label: "flaky",
      create: async (o) => {
        const engine = await REFERENCE_CANDIDATE.create(o);
        const trainStep = engine.trainStep.bind(engine);
        engine.trainStep = (...args) =>
          ++calls > 1 ? Promise.reject(new Error("device lost")) : trainStep(...args);
        return engine;
      },
    };
    const engine = await createFallbackEngine([flaky, REFERENCE_CANDIDATE], options());
    await engine.trainStep(batch, zeroState(config, 1), step);
    await expect(engine.trainStep(batch, zeroState(config, 1), step)).rejects.toThrow("device lost");
    expect(engine.label).toBe("flaky");
  });

  it("reports the last candidate's own error when every one fails", async () => {
    const broken = (label: string): EngineCandidate => ({
      label,
      create: () => Promise.reject(new Error(`${label} broke`)),
    });
    await expect(createFallbackEngine([broken("a"), broken("b")], options())).rejects.toThrow("b broke");
  });
});
