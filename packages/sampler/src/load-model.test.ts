import { createRng } from "@charrnn/core";
import { serializeModel } from "@charrnn/models";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { generate } from "./generate";
import { loadModelFromBytes, openModelFromBytes } from "./load-model";
import { checkStepModel } from "./step-model-check";
import { makeConfig, randomParams } from "./test-helpers";
import { createTsStepModel } from "./ts-engine";
import type { WasmStepModel } from "./wasm-engine";

describe("loadModelFromBytes", () => {
  const vocab = Vocab.fromText("hello world");
  const config = makeConfig({ cell: "lstm", layers: 2, hidden: 6, vocabSize: vocab.size, embed: 3 });
  const params = randomParams(config, createRng(8));
  const bytes = serializeModel({ config, vocab: vocab.toJSON(), params });

  it("opens a model file with its vocabulary and generates like the engine built directly", async () => {
    const loaded = loadModelFromBytes(bytes);
    expect(loaded.config).toEqual(config);
    expect(loaded.vocab.hash).toBe(vocab.hash);
    const direct = createTsStepModel({ config, params });
    const options = { prime: "he", length: 20, seed: 3 };
    expect((await generate(loaded.model, loaded.vocab, options)).text).toBe(
      (await generate(direct, vocab, options)).text,
    );
  });

  it("refuses a model trained with another vocabulary", () => {
    expect(() => loadModelFromBytes(bytes, { expectVocabHash: Vocab.fromText("other").hash })).toThrow(
      expect.objectContaining({ code: "MODEL_VOCAB_MISMATCH" }),
    );
  });

  it("openModelFromBytes picks the WebAssembly engine here, and the plain-TS one on request", async () => {
    const fast = await openModelFromBytes(bytes);
    expect(fast.model.engine).toBe("wasm");
    expect(fast.vocab.hash).toBe(vocab.hash);
    const ts = await openModelFromBytes(bytes, { engine: "ts" });
    expect(ts.model.engine).toBe("ts");
    const options = { prime: "he", length: 20, seed: 3 };
    expect((await generate(fast.model, fast.vocab, options)).text).toBe(
      (await generate(ts.model, ts.vocab, options)).text,
    );
  });

  it("runs an int8 model file on the int8 kernels, matching the plain-TS engine on its dequantized weights", async () => {
    const int8File = serializeModel({ config, vocab: vocab.toJSON(), params }, { dtype: "int8" });
    const fast = await openModelFromBytes(int8File);
    expect(fast.model.engine).toBe("wasm");
    expect((fast.model as WasmStepModel).precision).toBe("int8");
    const ts = loadModelFromBytes(int8File);
    const r = await checkStepModel(fast.model, ts.model, { batch: 2, steps: 5 });
    expect(r.maxLogitDiff).toBeLessThan(1e-3);
    const f32 = await checkStepModel(fast.model, createTsStepModel({ config, params }), {
      batch: 2,
      steps: 5,
    });
    expect(f32.maxLogitDiff).toBeGreaterThan(r.maxLogitDiff);
  });
});
