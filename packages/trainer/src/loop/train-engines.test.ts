import { describe, expect, it } from "vitest";
import { createReferenceEngine } from "../engine/reference-engine";
import { createTfjsEngine } from "../engine/tfjs-engine";
import { DATA_LAYOUTS } from "./setting-kinds";
import { resumeMatches } from "./test-helpers";
import type { TrainOptions } from "./train-types";

// A tiny real model: LSTM H=8 with dropout (so the per-step dropout seed matters) and Adam (slots + step).
const tiny: Partial<TrainOptions> = {
  hidden: 8,
  embed: 4,
  dropout: 0.1,
  optimizer: { kind: "adam" },
  lr: 0.01,
  clip: 5,
  valEvery: 4,
  checkpointEvery: 3,
  sampleEvery: 6,
};

const engines: [string, TrainOptions["createEngine"]][] = [
  ["reference", async (o) => createReferenceEngine(o)],
  ["tfjs (cpu)", (o) => createTfjsEngine({ ...o, backend: "cpu" })],
];

describe.each(engines)("train with the %s engine", (_, createEngine) => {
  for (const layout of DATA_LAYOUTS) {
    it(`${layout} layout: interrupted + resumed equals uninterrupted, bit for bit`, async () => {
      const { straight } = await resumeMatches({ ...tiny, createEngine, layout }, 12, 5);
      expect(straight.bestValLoss).toBeLessThan(Math.log(straight.params.get("output.bias")!.data.length));
    });
  }
});
