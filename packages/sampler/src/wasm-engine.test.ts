import { createRng } from "@charrnn/core";
import type { CellType, InputMode } from "@charrnn/models";
import { describe, expect, it } from "vitest";
import { checkStepModel } from "./step-model-check";
import { makeConfig, quantizeWeights, randomParams } from "./test-helpers";
import { createTsStepModel } from "./ts-engine";
import { createWasmStepModel } from "./wasm-engine";
import { wasmSimdSupported } from "./wasm-kernels";

const cells: CellType[] = ["rnn", "gru", "lstm"];
const inputs: InputMode[] = ["embedding", "onehot"];

describe("createWasmStepModel", () => {
  it("runs here: Node 20 has WebAssembly SIMD", () => {
    expect(wasmSimdSupported()).toBe(true);
  });

  for (const cell of cells) {
    for (const input of inputs) {
      // Hidden 6 and 21 are not multiples of the kernels' 16 lanes; vocab 9 and 30 leave tail rows.
      for (const [layers, hidden, vocabSize, batch] of [
        [1, 6, 9, 1],
        [2, 21, 30, 5],
      ] as const) {
        it(`meets the contract against the plain-TS engine: ${cell}, ${input}, ${layers}×${hidden}, batch ${batch}`, async () => {
          const config = makeConfig({ cell, input, layers, hidden, vocabSize, embed: 5 });
          const params = randomParams(config, createRng(cells.indexOf(cell) * 10 + layers));
          const reference = createTsStepModel({ config, params });
          for (const maxInputTable of [undefined, 0]) {
            const model = await createWasmStepModel({ config, params, maxInputTable });
            expect(model.precision).toBe("f32");
            const r = await checkStepModel(model, reference, { batch, steps: 6, seed: batch });
            expect(r.maxLogitDiff).toBeLessThan(1e-5);
            expect(r.maxStateDiff).toBeLessThan(1e-5);
            expect(r.maxStepDiff).toBeLessThan(1e-5);
          }
        });
      }
    }
  }

  it("keeps batches of different sizes apart and matches at batch 64 on a wider model", async () => {
    const config = makeConfig({ cell: "lstm", layers: 2, hidden: 64, vocabSize: 40, embed: 16 });
    const params = randomParams(config, createRng(9), 0.2);
    const reference = createTsStepModel({ config, params });
    const model = await createWasmStepModel({ config, params });
    for (const batch of [64, 2, 7]) {
      const r = await checkStepModel(model, reference, { batch, steps: 3, seed: batch });
      expect(r.maxLogitDiff).toBeLessThan(1e-5);
      expect(r.maxStateDiff).toBeLessThan(1e-5);
    }
  });

  for (const cell of cells) {
    it(`int8 weights: matches the plain-TS engine on the dequantized weights (${cell})`, async () => {
      const config = makeConfig({ cell, layers: 2, hidden: 37, vocabSize: 23, embed: 11 });
      const params = randomParams(config, createRng(20 + cells.indexOf(cell)), 0.3);
      const { int8, dequantized } = quantizeWeights(config, params);
      const reference = createTsStepModel({ config, params: dequantized });
      for (const maxInputTable of [undefined, 0]) {
        const model = await createWasmStepModel({ config, params: dequantized, int8, maxInputTable });
        expect(model.precision).toBe("int8");
        // Inputs are rounded to int16 (relative step 1/32767 of the row's largest value): well under the
        // int8 weights' own rounding, which the dequantized reference already carries.
        const r = await checkStepModel(model, reference, { batch: 3, steps: 6 });
        expect(r.maxLogitDiff).toBeLessThan(1e-3);
        expect(r.maxStateDiff).toBeLessThan(1e-3);
        expect(r.maxStepDiff).toBeLessThan(1e-5);
        // The original float32 weights give visibly different logits: the int8 path really ran.
        const f32 = await checkStepModel(model, createTsStepModel({ config, params }), {
          batch: 3,
          steps: 6,
        });
        expect(f32.maxLogitDiff).toBeGreaterThan(5 * r.maxLogitDiff);
      }
    });
  }

  it("refuses int8 rows of the wrong shape and bad input like the plain-TS engine", async () => {
    const config = makeConfig({ cell: "gru", layers: 1, hidden: 5, vocabSize: 7 });
    const params = randomParams(config, createRng(1));
    const { int8 } = quantizeWeights(config, params);
    const wrong = new Map(int8);
    wrong.set("rnn.weight_hh_l0", int8.get("output.weight")!);
    await expect(createWasmStepModel({ config, params, int8: wrong })).rejects.toMatchObject({
      code: "MODEL_SHAPE_MISMATCH",
    });
    const model = await createWasmStepModel({ config, params });
    expect(() => model.forward(Int32Array.of(7), 1, 1, model.initialState(1))).toThrow(
      expect.objectContaining({ code: "TOKEN_RANGE" }),
    );
    expect(() => model.forward(Int32Array.of(1, 2), 2, 1, model.initialState(1))).toThrow(
      expect.objectContaining({ code: "STATE_SHAPE_MISMATCH" }),
    );
  });
});
