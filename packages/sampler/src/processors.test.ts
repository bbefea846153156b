import { createRng } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import {
  minPProcessor,
  repetitionPenaltyProcessor,
  temperatureProcessor,
  topKProcessor,
  topPProcessor,
} from "./processors";
import { argmax, sampleLogits } from "./sampling";

const NEG = Number.NEGATIVE_INFINITY;
const none = new Uint8Array(0);
const logitsOf = (probs: number[]) => Float64Array.from(probs, Math.log);

describe("logits processors", () => {
  it("top-k keeps exactly the k highest logits, lower id first on ties", () => {
    const l = Float64Array.of(0.1, 2, -1, 2, 0.5, 3);
    topKProcessor(3).process(l, none, 0);
    expect(Array.from(l)).toEqual([NEG, 2, NEG, 2, NEG, 3]);
    const tie = Float64Array.of(1, 1, 1, 1);
    topKProcessor(2).process(tie, none, 0);
    expect(Array.from(tie)).toEqual([1, 1, NEG, NEG]);
    const all = Float64Array.of(1, 2);
    topKProcessor(5).process(all, none, 0);
    expect(Array.from(all)).toEqual([1, 2]);
  });

  it("top-p keeps the smallest most-probable set whose mass reaches p", () => {
    // Probabilities 0.4, 0.3, 0.2, 0.1 (shuffled ids).
    const probs = [0.2, 0.4, 0.1, 0.3];
    const cases: [number, number[]][] = [
      [0.35, [1]], // 0.4 ≥ 0.35
      [0.39, [1]],
      [0.41, [1, 3]], // 0.4 falls short, 0.4 + 0.3 reaches it
      [0.69, [1, 3]],
      [0.71, [0, 1, 3]],
      [0.95, [0, 1, 2, 3]],
    ];
    for (const [p, kept] of cases) {
      const l = logitsOf(probs);
      topPProcessor(p).process(l, none, 0);
      const keptIds = [0, 1, 2, 3].filter((i) => l[i] !== NEG);
      expect(keptIds, `topP ${p}`).toEqual(kept);
      for (const i of keptIds) expect(l[i]).toBe(Math.log(probs[i]!));
    }
  });

  it("min-p drops tokens below minP × the top probability", () => {
    const probs = [0.5, 0.25, 0.15, 0.1];
    const l = logitsOf(probs);
    minPProcessor(0.3).process(l, none, 0); // threshold 0.15
    expect([0, 1, 2, 3].filter((i) => l[i] !== NEG)).toEqual([0, 1, 2]);
    const l2 = logitsOf(probs);
    minPProcessor(0.51).process(l2, none, 0); // threshold 0.255
    expect([0, 1, 2, 3].filter((i) => l2[i] !== NEG)).toEqual([0]);
  });

  it("repetition penalty divides positive and multiplies negative logits of seen tokens only", () => {
    const l = Float64Array.of(2, -2, 3, -1, 0.5);
    const seen = Uint8Array.of(9, 9, 1, 1, 0, 0, 1, 9);
    repetitionPenaltyProcessor(2).process(l, seen, 2);
    expect(Array.from(l)).toEqual([1, -4, 3, -1, 0.25]);
  });

  it("temperature divides every logit", () => {
    const l = Float64Array.of(1, -2, 0.5);
    temperatureProcessor(0.5).process(l, none, 0);
    expect(Array.from(l)).toEqual([2, -4, 1]);
  });
});

describe("sampling", () => {
  it("argmax takes the lowest id among ties", () => {
    expect(argmax(Float64Array.of(1, 3, 3, 2))).toBe(1);
    expect(argmax(Float64Array.of(NEG, NEG, -5))).toBe(2);
  });

  it("draws tokens with their softmax probabilities and never a -Infinity one", () => {
    const probs = [0.1, 0, 0.6, 0.3];
    const l = Float64Array.from(probs, (p) => (p === 0 ? NEG : Math.log(p) + 7));
    const rng = createRng(11);
    const w = new Float64Array(4);
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleLogits(l, rng, w)]!++;
    expect(counts[1]).toBe(0);
    for (let i = 0; i < 4; i++) expect(Math.abs(counts[i]! / n - probs[i]!)).toBeLessThan(0.015);
  });

  it("is an inverse CDF over token ids: the draw follows the uniform number", () => {
    const l = logitsOf([0.25, 0.25, 0.5]);
    const fixed = (u: number) => ({ ...createRng(0), next: () => u });
    const w = new Float64Array(3);
    expect(sampleLogits(l, fixed(0), w)).toBe(0);
    expect(sampleLogits(l, fixed(0.24), w)).toBe(0);
    expect(sampleLogits(l, fixed(0.26), w)).toBe(1);
    expect(sampleLogits(l, fixed(0.51), w)).toBe(2);
    expect(sampleLogits(l, fixed(0.999999), w)).toBe(2);
  });
});
