import { CharrnnRangeError, createRng } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { beamSearch, bestCandidates } from "./beam-search";
import { DECODE_MEMORY_BUDGET, decodeBytes } from "./decode-budget";
import { generate } from "./generate";
import { makeConfig, randomParams } from "./test-helpers";
import { createTsStepModel } from "./ts-engine";

const vocab = Vocab.fromText("the quick brown fox jumps over the lazy dog");
const config = makeConfig({ cell: "lstm", layers: 1, hidden: 16, vocabSize: vocab.size, embed: 4 });
const model = createTsStepModel({ config, params: randomParams(config, createRng(3), 1) });

/** Runs `fn` and returns its CharrnnRangeError (fails the test when it resolves or throws another). */
async function rangeError(fn: () => Promise<unknown>): Promise<CharrnnRangeError> {
  const error = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CharrnnRangeError);
  return error as CharrnnRangeError;
}

describe("decoding memory bounds", () => {
  it("refuses a beam too wide for the budget before allocating anything, naming the widest that fits", async () => {
    const error = await rangeError(() => beamSearch(model, vocab, { beamWidth: 1_000_000, length: 10 }));
    expect(error.option).toBe("beamWidth");
    const fits = Number(/at most (\d+) for this model and length/.exec(error.message)![1]);
    expect(decodeBytes(model, fits, 10, true)).toBeLessThanOrEqual(DECODE_MEMORY_BUDGET);
    expect(decodeBytes(model, fits + 1, 10, true)).toBeGreaterThan(DECODE_MEMORY_BUDGET);
    expect(error.message).toMatch(/1000000 × 10 tokens would need about [\d.]+ GiB, over the 1\.0 GiB/);
  });

  it("refuses a sample count or a length too large for the budget, naming which", async () => {
    expect((await rangeError(() => generate(model, vocab, { num: 1_000_000_000, length: 10 }))).option).toBe(
      "num",
    );
    const long = await rangeError(() => generate(model, vocab, { length: 1e12 }));
    expect(long.option).toBe("length");
    const most = Number(/at most (\d+) for this model/.exec(long.message)![1]);
    expect(decodeBytes(model, 1, most, false)).toBeLessThanOrEqual(DECODE_MEMORY_BUDGET);
    // A smaller budget is the caller's to set.
    const small = await rangeError(() =>
      generate(model, vocab, { num: 64, length: 100, memoryBudget: 10_000 }),
    );
    expect(small.option).toBe("num");
  });

  it("beam steps take the best candidates with a heap: the same order as a full sort, ties by index", () => {
    const rng = createRng(5);
    const scores = Float64Array.from({ length: 500 }, () => Math.round(rng.next() * 40) / 4);
    const sorted = Int32Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
    for (const k of [1, 7, 100, 500]) {
      expect(Array.from(bestCandidates(scores, k))).toEqual(Array.from(sorted.subarray(0, k)));
    }
  });
});
