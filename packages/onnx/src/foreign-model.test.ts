import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generate } from "@charrnn/sampler";
import { describe, expect, it } from "vitest";
import { loadOnnxModel } from "./load-onnx-model";
import { argmax, maxAbsDiff } from "./test-support";

const onnxPath = fileURLToPath(new URL("../../../test-fixtures/torch/torch_char_gru.onnx", import.meta.url));
const io = JSON.parse(
  readFileSync(new URL("../../../test-fixtures/torch/torch_char_gru.io.json", import.meta.url), "utf8"),
) as {
  vocab: string[];
  prime: string;
  logits_last: number[];
  final_state: number[][][][];
  greedy_200: string;
};

describe("a foreign model (torch.onnx.export GRU)", () => {
  it("loads with a token-array vocab and reproduces PyTorch's logits, state and greedy text", async () => {
    const { model, vocab } = await loadOnnxModel(onnxPath, { vocab: io.vocab });
    expect([model.cell, model.layers, model.hidden, model.vocabSize]).toEqual(["gru", 2, 64, 65]);
    expect(model.config).toBeUndefined();
    const V = vocab.size;
    const prime = vocab.encode(io.prime);
    let { logits, state } = await model.forward(prime, 1, prime.length, model.initialState(1));
    expect(maxAbsDiff(logits.subarray((prime.length - 1) * V), io.logits_last)).toBeLessThan(1e-4);
    expect(maxAbsDiff(state.h, io.final_state[0]!.flat(2))).toBeLessThan(1e-4);

    let last = logits.subarray((prime.length - 1) * V);
    const out: number[] = [];
    const token = new Int32Array(1);
    for (let i = 0; i < 200; i++) {
      token[0] = argmax(last, 0, V);
      out.push(token[0]);
      ({ logits, state } = await model.forward(token, 1, 1, state));
      last = logits;
    }
    expect(vocab.decode(out)).toBe(io.greedy_200);
    await model.dispose();
  });

  it("drives the sampler's greedy generate to the same text", async () => {
    const { model, vocab } = await loadOnnxModel(onnxPath, { vocab: io.vocab });
    const result = await generate(model, vocab, { prime: io.prime, length: 200, greedy: true });
    expect(result.text).toBe(io.greedy_200);
    await model.dispose();
  });

  it("refuses to load without a vocabulary, naming the option", async () => {
    await expect(loadOnnxModel(onnxPath)).rejects.toMatchObject({
      code: "ONNX_NO_VOCAB",
      message: expect.stringContaining("pass the vocab"),
    });
  });

  it("names the flag to use when an input name is mapped wrong", async () => {
    await expect(
      loadOnnxModel(onnxPath, { vocab: io.vocab, names: { tokens: "ids" } }),
    ).rejects.toMatchObject({
      code: "ONNX_BAD_INTERFACE",
      message: expect.stringMatching(/no input "ids" \(inputs: tokens, h0\); map it with --onnx-tokens/),
    });
  });

  it("rejects a vocabulary whose size differs from the logits", async () => {
    await expect(loadOnnxModel(onnxPath, { vocab: io.vocab.slice(1) })).rejects.toMatchObject({
      code: "ONNX_BAD_INTERFACE",
      message: expect.stringMatching(/vocab size is 65 .* and 64/),
    });
  });
});
