import { createRng } from "@charrnn/core";
import { parseModel, referenceForward, serializeModel } from "@charrnn/models";
import * as ort from "onnxruntime-web";
import { beforeAll, describe, expect, it } from "vitest";
import { exportOnnx } from "./export-onnx";
import { createOrtStepModel } from "./ort-step-model";
import { maxAbsDiff, randomState, randomTokens, testModel } from "./test-support";

beforeAll(() => {
  // Node has no SharedArrayBuffer workers set up for ORT's threaded wasm; one thread is enough here.
  ort.env.wasm.numThreads = 1;
});

describe("ORT step model (onnxruntime-web, wasm) matches referenceForward", () => {
  it.each([
    ["rnn", 2, "onehot"],
    ["gru", 2, "embedding"],
    ["lstm", 2, "onehot"],
  ] as const)("%s, %i layers, %s input", async (cell, layers, input) => {
    const m = testModel(cell, layers, input, 300);
    const model = await createOrtStepModel(ort, exportOnnx({ ...m, vocab: m.vocab.toJSON() }));
    const rng = createRng(11);
    const batch = 4;
    const steps = 200;
    const tokens = randomTokens(batch * steps, 17, rng);
    const start = randomState(m.config, batch, rng);
    const ref = referenceForward(m.config, m.params, tokens, batch, steps, start);
    const got = await model.forward(tokens, batch, steps, start);
    expect(maxAbsDiff(got.logits, ref.logits)).toBeLessThan(1e-4);
    expect(maxAbsDiff(got.state.h, ref.state.h)).toBeLessThan(1e-4);
    if (cell === "lstm") expect(maxAbsDiff(got.state.c!, ref.state.c!)).toBeLessThan(1e-4);
    await model.dispose();
  });
});

describe("reduced-precision exports on onnxruntime-web (wasm)", () => {
  it.each([
    ["f16", "lstm", "embedding"],
    ["bf16", "rnn", "onehot"],
    ["int8", "gru", "embedding"],
  ] as const)("%s %s (%s input) computes what the model file loads as", async (dtype, cell, input) => {
    const m = testModel(cell, 2, input, 310);
    const loaded = parseModel(
      serializeModel({ config: m.config, vocab: m.vocab.toJSON(), params: m.params }, { dtype }),
    );
    const model = await createOrtStepModel(ort, exportOnnx({ ...m, vocab: m.vocab.toJSON() }, { dtype }));
    const rng = createRng(12);
    const tokens = randomTokens(2 * 40, 17, rng);
    const start = randomState(m.config, 2, rng);
    const ref = referenceForward(m.config, loaded.params, tokens, 2, 40, start);
    const got = await model.forward(tokens, 2, 40, start);
    expect(maxAbsDiff(got.logits, ref.logits)).toBeLessThan(1e-4);
    await model.dispose();
  });
});
