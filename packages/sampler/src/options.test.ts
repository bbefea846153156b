import { CharrnnRangeError } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { beamSearch } from "./beam-search";
import { generate, stream } from "./generate";
import { resolveDecoding } from "./options";
import { score } from "./score";
import { fakeModel } from "./test-helpers";

const vocab = Vocab.fromText("ab");
const model = fakeModel(2, () => [0, 0]);

describe("option validation", () => {
  const bad: [string, Record<string, unknown>, string][] = [
    ["temperature", { temperature: -0.5 }, "temperature must be > 0 (or 0 for greedy), got -0.5"],
    ["temperature", { temperature: Number.NaN }, "temperature must be > 0 (or 0 for greedy), got NaN"],
    ["topP", { topP: 1.5 }, "topP must be in (0, 1], got 1.5"],
    ["topP", { topP: 0 }, "topP must be in (0, 1], got 0"],
    ["minP", { minP: 1 }, "minP must be in [0, 1), got 1"],
    ["minP", { minP: -0.1 }, "minP must be in [0, 1), got -0.1"],
    ["topK", { topK: 0 }, "topK must be an integer ≥ 1, got 0"],
    ["topK", { topK: 2.5 }, "topK must be an integer ≥ 1, got 2.5"],
    ["length", { length: -1 }, "length must be an integer ≥ 0, got -1"],
    ["length", { length: 1.5 }, "length must be an integer ≥ 0, got 1.5"],
    ["num", { num: 0 }, "num must be an integer ≥ 1, got 0"],
    ["repetitionPenalty", { repetitionPenalty: 0 }, "repetitionPenalty must be > 0, got 0"],
    ["seed", { seed: 1.5 }, "seed must be an integer, got 1.5"],
  ];
  for (const [option, options, message] of bad) {
    it(`rejects ${JSON.stringify(options)} when called, naming ${option}`, () => {
      let error: unknown;
      try {
        stream(model, vocab, options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CharrnnRangeError);
      expect(error).toMatchObject({ code: "OPTION_RANGE", option, message });
    });
  }

  it("rejects a bad beam width, empty stop strings and an unknown end token", async () => {
    await expect(beamSearch(model, vocab, { beamWidth: 0 })).rejects.toThrow(
      "beamWidth must be an integer ≥ 1, got 0",
    );
    await expect(generate(model, vocab, { stop: [""] })).rejects.toMatchObject({ code: "OPTION_TYPE" });
    await expect(generate(model, vocab, { prime: "a", endToken: "z" })).rejects.toMatchObject({
      code: "TOKEN_RANGE",
      message: expect.stringContaining("endToken"),
    });
    await expect(score(model, vocab, "ab", { chunkSize: 0 })).rejects.toMatchObject({ option: "chunkSize" });
  });

  it("builds only the processors whose option is not at its default", () => {
    const names = (o: Parameters<typeof resolveDecoding>[0]) =>
      resolveDecoding(o).processors.map((p) => p.name);
    expect(names({})).toEqual([]);
    expect(names({ temperature: 1, topP: 1, minP: 0, repetitionPenalty: 1 })).toEqual([]);
    expect(names({ temperature: 0.7, topK: 5, topP: 0.9, minP: 0.05, repetitionPenalty: 1.2 })).toEqual([
      "repetitionPenalty",
      "temperature",
      "topK",
      "topP",
      "minP",
    ]);
    expect(names({ greedy: true, temperature: 0.7, topK: 5, repetitionPenalty: 1.2 })).toEqual([
      "repetitionPenalty",
    ]);
    expect(resolveDecoding({ temperature: 0 }).greedy).toBe(true);
  });
});
