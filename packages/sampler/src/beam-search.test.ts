import { createRng } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { beamSearch } from "./beam-search";
import { generate } from "./generate";
import { score } from "./score";
import { fakeModel, makeConfig, randomParams } from "./test-helpers";
import { createTsStepModel } from "./ts-engine";

const abc = Vocab.fromText("abc"); // a=0, b=1, c=2
/** After c: a .5, b .4, c .1; after a: uniform; after b: a .9. Greedy says "aa" (p 1/6), "ba" has .36. */
const trap = () =>
  fakeModel(3, (_step, last) =>
    [
      [1 / 3, 1 / 3, 1 / 3],
      [0.9, 0.05, 0.05],
      [0.5, 0.4, 0.1],
    ][last]!.map(Math.log),
  );

describe("beamSearch", () => {
  it("with width 1 is greedy decoding, and reports the sequence's log-probability", async () => {
    const text = "the quick brown fox jumps over the lazy dog";
    const vocab = Vocab.fromText(text);
    const config = makeConfig({ cell: "gru", layers: 2, hidden: 12, vocabSize: vocab.size, embed: 6 });
    const model = createTsStepModel({ config, params: randomParams(config, createRng(2), 1.5) });
    const greedy = await generate(model, vocab, { prime: "the ", length: 15, greedy: true });
    const { beams } = await beamSearch(model, vocab, { prime: "the ", length: 15, beamWidth: 1 });
    expect(beams).toHaveLength(1);
    expect(beams[0]!.text).toBe(greedy.text);
    const scored = await score(model, vocab, greedy.text, { prime: "the " });
    expect(beams[0]!.logProb).toBeCloseTo(-scored.totalNats, 5);
  });

  it("finds a more probable sequence than greedy", async () => {
    const greedy = await generate(trap(), abc, { prime: "c", length: 2, greedy: true });
    expect(greedy.text).toBe("aa");
    const model = trap();
    const { beams, prime } = await beamSearch(model, abc, { prime: "c", length: 2, beamWidth: 2 });
    expect(prime).toBe("c");
    expect(beams.map((b) => b.text)).toEqual(["ba", "aa"]);
    expect(beams[0]!.logProb).toBeCloseTo(Math.log(0.4 * 0.9), 6);
    expect(beams[1]!.logProb).toBeCloseTo(Math.log(0.5 / 3), 6);
    expect(beams[0]!.finishReason).toBe("length");
    // Both beams advance together as one batch of 2.
    expect(model.calls.map((c) => c.batch)).toEqual([1, 2]);
  });

  it("sets aside beams that reach the end token or a stop string", async () => {
    const end = await beamSearch(trap(), abc, { prime: "c", length: 5, beamWidth: 2, endToken: "b" });
    expect(end.beams[0]).toMatchObject({ text: "", finishReason: "end" });
    expect(end.beams[0]!.logProb).toBeCloseTo(Math.log(0.4), 6);
    const stop = await beamSearch(trap(), abc, { prime: "c", length: 2, beamWidth: 2, stop: ["ba"] });
    expect(stop.beams[0]).toMatchObject({ text: "", finishReason: "stop", stoppedBy: "ba" });
    expect(Array.from(stop.beams[0]!.tokens)).toEqual([1, 0]);
  });
});
