import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { generate } from "./generate";
import { createSampler } from "./sampler";
import { fakeModel } from "./test-helpers";

describe("createSampler", () => {
  it("layers its defaults under each call's options", async () => {
    const vocab = Vocab.fromText("abc");
    const model = fakeModel(3, () => [0.1, 0.5, 0.2]);
    const sampler = createSampler(model, vocab, { length: 3, temperature: 0.5, seed: 2 });
    const a = await sampler.generate({ prime: "a" });
    expect(a.text).toBe(
      (await generate(model, vocab, { prime: "a", length: 3, temperature: 0.5, seed: 2 })).text,
    );
    expect((await sampler.generate({ prime: "a", length: 5 })).text).toHaveLength(5);
    expect((await sampler.generate({ prime: "a", greedy: true })).text).toBe("bbb");
    const { beams } = await sampler.beamSearch({ prime: "a", beamWidth: 1 });
    expect(beams[0]!.text).toBe("bbb");
  });
});
