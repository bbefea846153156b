import { createRng } from "@charrnn/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeConfig, randomParams } from "./test-helpers";

const config = makeConfig({ cell: "lstm", layers: 1, hidden: 5, vocabSize: 7 });
const params = randomParams(config, createRng(2));

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe("createStepModel", () => {
  it("picks the WebAssembly engine where WebAssembly SIMD validates", async () => {
    const { createStepModel, defaultSamplerEngine } = await import("./create-step-model");
    expect(defaultSamplerEngine()).toBe("wasm");
    expect((await createStepModel({ config, params })).engine).toBe("wasm");
    expect((await createStepModel({ config, params, engine: "ts" })).engine).toBe("ts");
  });

  it("falls back to plain TypeScript in a runtime without WebAssembly SIMD", async () => {
    // A runtime whose WebAssembly rejects the SIMD module (as engines before SIMD do).
    vi.stubGlobal("WebAssembly", { ...WebAssembly, validate: () => false });
    const { createStepModel, defaultSamplerEngine } = await import("./create-step-model");
    expect(defaultSamplerEngine()).toBe("ts");
    const model = await createStepModel({ config, params });
    expect(model.engine).toBe("ts");
    expect(model.forward(Int32Array.of(1, 2), 1, 2, model.initialState(1)).logits).toHaveLength(2 * 7);
    await expect(createStepModel({ config, params, engine: "wasm" })).rejects.toMatchObject({
      code: "WASM_SIMD_UNAVAILABLE",
    });
  });
});
