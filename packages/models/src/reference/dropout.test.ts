import { createRng, deriveSeed } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import { defaultConfig, validateConfig } from "../config";
import { inputDropoutMask, layerDropoutMasks } from "./dropout";

const STEPS = 12;
const BATCH = 5;
const config = defaultConfig({ cell: "gru", layers: 2, hidden: 64, embed: 32, vocabSize: 9 });
const locked = { ...config, dropoutMode: "locked" as const };

/** Rows `[positions, width]` of a time-major mask, one per time step: `[B·width]` each. */
function timeSteps(m: Float64Array, width: number): Float64Array[] {
  return Array.from({ length: STEPS }, (_, t) => m.subarray(t * BATCH * width, (t + 1) * BATCH * width));
}

describe("dropout masks", () => {
  it("step mode: every position draws its own multipliers, the seed's stream in layer order", () => {
    const masks = layerDropoutMasks(Float64Array, config, 0.3, 11, STEPS, BATCH);
    const stream = new Float64Array(2 * STEPS * BATCH * 64);
    createRng(11).fillDropout(stream, 0.3);
    expect(masks).toHaveLength(2);
    expect([...masks[0]!, ...masks[1]!]).toEqual([...stream]);
    const [first, second] = timeSteps(masks[0]!, 64);
    expect(first).not.toEqual(second);
  });

  it("locked mode: one [batch, hidden] mask per layer that every time step repeats, at the rate asked", () => {
    const rate = 0.3;
    const masks = layerDropoutMasks(Float64Array, locked, rate, 11, STEPS, BATCH);
    // The first step's rows are the seed's stream, layer after layer.
    const stream = new Float64Array(2 * BATCH * 64);
    createRng(11).fillDropout(stream, rate);
    for (const [k, m] of masks.entries()) {
      expect(m).toHaveLength(STEPS * BATCH * 64);
      const steps = timeSteps(m, 64);
      expect([...steps[0]!]).toEqual([...stream.subarray(k * BATCH * 64, (k + 1) * BATCH * 64)]);
      for (const later of steps.slice(1)) expect(later).toEqual(steps[0]);
      const values = new Set(m);
      expect([...values].sort()).toEqual([0, 1 / (1 - rate)]);
    }
    // The two layers' masks differ, and the streams within a layer do too.
    expect(masks[0]!.subarray(0, 64)).not.toEqual(masks[1]!.subarray(0, 64));
    expect(masks[0]!.subarray(0, 64)).not.toEqual(masks[0]!.subarray(64, 128));
    const big = layerDropoutMasks(Float64Array, { ...locked, hidden: 4096 }, rate, 3, 2, 8)[0]!;
    const dropped = big.subarray(0, 8 * 4096).filter((v) => v === 0).length / (8 * 4096);
    expect(Math.abs(dropped - rate)).toBeLessThan(0.015);
  });

  it("input masks: their own stream, locked over time when the config says so", () => {
    const step = inputDropoutMask(Float64Array, config, 0.25, 5, STEPS, BATCH);
    const stream = new Float64Array(STEPS * BATCH * 32);
    createRng(deriveSeed(5, 1)).fillDropout(stream, 0.25);
    expect([...step]).toEqual([...stream]);
    const lockedMask = inputDropoutMask(Float64Array, locked, 0.25, 5, STEPS, BATCH);
    const steps = timeSteps(lockedMask, 32);
    expect([...steps[0]!]).toEqual([...stream.subarray(0, BATCH * 32)]);
    for (const later of steps.slice(1)) expect(later).toEqual(steps[0]);
  });

  it("the config refuses a dropout mode it does not know, naming the field", () => {
    expect(() => validateConfig({ ...config, dropoutMode: "variational" as never })).toThrow(/dropoutMode/);
    expect(defaultConfig({ vocabSize: 4, dropoutMode: "step" })).not.toHaveProperty("dropoutMode");
    expect(defaultConfig({ vocabSize: 4, dropoutMode: "locked" }).dropoutMode).toBe("locked");
  });
});
