import { readFileSync } from "node:fs";
import { createRng } from "@charrnn/core";
import { type CellType, fromTfjsLayersModel, type ModelFile, referenceForward } from "@charrnn/models";
import { readTfjsLayersModel } from "@charrnn/models/node";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import type { StepModel } from "./step-model";
import { checkStepModel } from "./step-model-check";
import { makeConfig, randomParams } from "./test-helpers";
import { createTsStepModel } from "./ts-engine";
import { createWasmStepModel } from "./wasm-engine";

const fixture = new URL("../../../test-fixtures/tfjs-lstm-text-generation/", import.meta.url).pathname;
const expected = JSON.parse(readFileSync(`${fixture}expected.json`, "utf8")) as {
  windows: number[][];
  logits: number[];
};

async function importExample(): Promise<ModelFile> {
  const tokens = JSON.parse(readFileSync(`${fixture}vocab.json`, "utf8")) as string[];
  return fromTfjsLayersModel(await readTfjsLayersModel(fixture), { vocab: Vocab.fromJSON(tokens).toJSON() });
}

/** Each window from a zero state, as the example samples: the logits after its last token. */
async function lastLogits(model: StepModel): Promise<Float32Array> {
  const { windows } = expected;
  const steps = windows[0]!.length;
  const tokens = Int32Array.from(windows.flat());
  const out = await model.forward(tokens, windows.length, steps, model.initialState(windows.length), {
    lastOnly: true,
  });
  return out.logits;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = a.length === b.length ? 0 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe("hard-sigmoid gates (tfjs-layers' default recurrentActivation)", () => {
  it("the TF.js lstm-text-generation example model imports and both engines give tf.js's logits within 1e-5", async () => {
    const file = await importExample();
    expect(file.config.gateActivation).toBe("hardSigmoid");
    const ts = createTsStepModel({ config: file.config, params: file.params });
    const wasm = await createWasmStepModel({ config: file.config, params: file.params });
    expect(maxDiff(await lastLogits(ts), expected.logits)).toBeLessThan(1e-5);
    expect(maxDiff(await lastLogits(wasm), expected.logits)).toBeLessThan(1e-5);
    // The gates matter: read as sigmoid gates the same weights give other logits.
    const sigmoid = { ...file.config, gateActivation: "sigmoid" as const };
    const wrong = createTsStepModel({ config: sigmoid, params: file.params });
    expect(maxDiff(await lastLogits(wrong), expected.logits)).toBeGreaterThan(1e-2);
  });

  it.each(["lstm", "gru"] as CellType[])(
    "%s: the WebAssembly and plain-TS engines agree with the reference, past the clipped range",
    async (cell) => {
      const config = makeConfig({
        cell,
        layers: 2,
        hidden: 21,
        vocabSize: 11,
        gateActivation: "hardSigmoid",
      });
      // Scale 2 puts many gate pre-activations beyond ±2.5, where the hard sigmoid clips.
      const params = randomParams(config, createRng(7), 2);
      const ts = createTsStepModel({ config, params });
      const r = await checkStepModel(await createWasmStepModel({ config, params }), ts, {
        batch: 3,
        steps: 7,
        seed: 1,
      });
      expect(r.maxLogitDiff).toBeLessThan(1e-5);
      expect(r.maxStateDiff).toBeLessThan(1e-5);
      const tokens = Int32Array.from({ length: 14 }, (_, i) => (i * 5 + 2) % 11);
      const ref = referenceForward(config, params, tokens, 2, 7).logits;
      expect(maxDiff(ts.forward(tokens, 2, 7, ts.initialState(2)).logits, ref)).toBeLessThan(1e-5);
    },
  );
});
