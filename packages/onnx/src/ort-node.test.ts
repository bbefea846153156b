import { createRng } from "@charrnn/core";
import { type CellType, type InputMode, referenceForward } from "@charrnn/models";
import { createTsStepModel, feedPrime, PRIME_CHUNK } from "@charrnn/sampler";
import { describe, expect, it } from "vitest";
import { exportOnnx } from "./export-onnx";
import { importOrtNode } from "./load-ort-node";
import { createOrtStepModel } from "./ort-step-model";
import { maxAbsDiff, randomState, randomTokens, testModel } from "./test-support";

const ort = await importOrtNode();

const TOL = 1e-4;
const STEPS = 200;

const cases: [CellType, number, InputMode][] = [];
for (const cell of ["rnn", "gru", "lstm"] as const) {
  cases.push([cell, 1, "embedding"], [cell, 2, "onehot"], [cell, 3, "embedding"]);
}

describe("ORT step model (onnxruntime-node) matches referenceForward", () => {
  it.each(cases)("%s, %i layer(s), %s input", async (cell, layers, input) => {
    const m = testModel(cell, layers, input, 100 + layers);
    const model = await createOrtStepModel(ort, exportOnnx({ ...m, vocab: m.vocab.toJSON() }));
    expect([model.cell, model.layers, model.hidden, model.vocabSize]).toEqual([cell, layers, 12, 17]);
    expect(model.vocab?.hash).toBe(m.vocab.hash);
    const rng = createRng(7);
    for (const batch of [1, 4]) {
      const tokens = randomTokens(batch * STEPS, m.config.vocabSize, rng);
      const start = batch === 1 ? model.initialState(1) : randomState(m.config, batch, rng);
      const ref = referenceForward(m.config, m.params, tokens, batch, STEPS, start);
      const got = await model.forward(tokens, batch, STEPS, start);
      expect(got.logits.length).toBe(batch * STEPS * 17);
      expect(maxAbsDiff(got.logits, ref.logits)).toBeLessThan(TOL);
      expect(maxAbsDiff(got.state.h, ref.state.h)).toBeLessThan(TOL);
      if (cell === "lstm") expect(maxAbsDiff(got.state.c!, ref.state.c!)).toBeLessThan(TOL);
      else expect(got.state.c).toBeUndefined();
    }
    await model.dispose();
  });

  it("carries state across calls: 120 then 80 steps equal 200 at once, and the input state is untouched", async () => {
    const m = testModel("lstm", 2, "embedding", 9);
    const model = await createOrtStepModel(ort, exportOnnx({ ...m, vocab: m.vocab.toJSON() }));
    const rng = createRng(3);
    const batch = 2;
    const tokens = randomTokens(batch * STEPS, 17, rng);
    const start = randomState(m.config, batch, rng);
    const h0 = start.h.slice();
    const whole = referenceForward(m.config, m.params, tokens, batch, STEPS, start);
    const split = (from: number, to: number) => {
      const out = new Int32Array(batch * (to - from));
      for (let b = 0; b < batch; b++)
        out.set(tokens.subarray(b * STEPS + from, b * STEPS + to), b * (to - from));
      return out;
    };
    const a = await model.forward(split(0, 120), batch, 120, start);
    const b = await model.forward(split(120, STEPS), batch, 80, a.state);
    expect(Array.from(start.h)).toEqual(Array.from(h0));
    expect(maxAbsDiff(b.state.h, whole.state.h)).toBeLessThan(TOL);
    expect(maxAbsDiff(b.state.c!, whole.state.c!)).toBeLessThan(TOL);
    for (let s = 0; s < batch; s++) {
      const last = b.logits.subarray((s * 80 + 79) * 17, (s * 80 + 80) * 17);
      const want = whole.logits.subarray((s * STEPS + STEPS - 1) * 17, (s * STEPS + STEPS) * 17);
      expect(maxAbsDiff(last, want)).toBeLessThan(TOL);
    }
    await model.dispose();
  });

  it("feeds a long prime in chunks (feedPrime): the state and next-token logits of one pass", async () => {
    const m = testModel("gru", 2, "embedding", 11);
    const model = await createOrtStepModel(ort, exportOnnx({ ...m, vocab: m.vocab.toJSON() }));
    const n = 2 * PRIME_CHUNK + 37;
    const ids = randomTokens(n, 17, createRng(12));
    const ref = referenceForward(m.config, m.params, ids, 1, n);
    const got = await feedPrime(model, ids, model.initialState(1));
    expect(maxAbsDiff(got.state.h, ref.state.h)).toBeLessThan(TOL);
    expect(maxAbsDiff(got.logits, ref.logits.subarray((n - 1) * 17))).toBeLessThan(TOL);
    await model.dispose();
  });

  it("agrees with the sampler's plain-TypeScript step model", async () => {
    for (const cell of ["rnn", "gru", "lstm"] as const) {
      const m = testModel(cell, 2, "onehot", 21);
      const onnxModel = await createOrtStepModel(ort, exportOnnx({ ...m, vocab: m.vocab.toJSON() }));
      const tsModel = createTsStepModel({ config: m.config, params: m.params });
      const tokens = randomTokens(3 * 50, 17, createRng(4));
      const a = await onnxModel.forward(tokens, 3, 50, onnxModel.initialState(3));
      const b = tsModel.forward(tokens, 3, 50, tsModel.initialState(3));
      expect(maxAbsDiff(a.logits, b.logits)).toBeLessThan(TOL);
      expect(maxAbsDiff(a.state.h, b.state.h)).toBeLessThan(TOL);
      await onnxModel.dispose();
    }
  });

  it("rejects tokens and states of the wrong size with the TS engine's codes", async () => {
    const m = testModel("gru", 2, "embedding", 5);
    const model = await createOrtStepModel(ort, exportOnnx({ ...m, vocab: m.vocab.toJSON() }));
    await expect(model.forward(Int32Array.of(1, 2, 3), 2, 2, model.initialState(2))).rejects.toMatchObject({
      code: "FORWARD_SHAPE",
    });
    await expect(model.forward(Int32Array.of(1, 2), 2, 1, model.initialState(1))).rejects.toMatchObject({
      code: "STATE_SHAPE_MISMATCH",
      message: expect.stringMatching(/initialState\(2\)/),
    });
    await model.dispose();
  });
});
