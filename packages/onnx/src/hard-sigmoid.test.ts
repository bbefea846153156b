import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "@charrnn/core";
import { fromTfjsLayersModel, referenceForward } from "@charrnn/models";
import { readTfjsLayersModel } from "@charrnn/models/node";
import { Vocab } from "@charrnn/vocab";
import { afterAll, describe, expect, it } from "vitest";
import { exportOnnx } from "./export-onnx";
import { importOrtNode } from "./load-ort-node";
import { createOrtStepModel } from "./ort-step-model";
import { findPythonOnnx, maxAbsDiff, randomTokens, runOnnxChecker, testModel } from "./test-support";

const ort = await importOrtNode();
const fixture = new URL("../../../test-fixtures/tfjs-lstm-text-generation/", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "charrnn-onnx-hard-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A test model with tfjs-layers' hard-sigmoid gates and weights large enough to reach its clipped range. */
function hardModel(cell: "lstm" | "gru", seed: number) {
  const m = testModel(cell, 2, "embedding", seed);
  for (const t of m.params.values()) for (let i = 0; i < t.data.length; i++) t.data[i] = t.data[i]! * 5;
  return { ...m, config: { ...m.config, gateActivation: "hardSigmoid" as const } };
}

describe("ONNX export of hard-sigmoid gates (HardSigmoid, alpha 0.2, beta 0.5)", () => {
  it("the TF.js lstm-text-generation example model, imported and exported, gives tf.js's logits in onnxruntime within 1e-5", async () => {
    const tokens = JSON.parse(readFileSync(`${fixture}vocab.json`, "utf8")) as string[];
    const expected = JSON.parse(readFileSync(`${fixture}expected.json`, "utf8")) as {
      windows: number[][];
      logits: number[];
    };
    const file = fromTfjsLayersModel(await readTfjsLayersModel(fixture), {
      vocab: Vocab.fromJSON(tokens).toJSON(),
    });
    const model = await createOrtStepModel(ort, exportOnnx(file));
    const { windows } = expected;
    const [B, T, V] = [windows.length, windows[0]!.length, tokens.length];
    const out = await model.forward(Int32Array.from(windows.flat()), B, T, model.initialState(B));
    // The example reads the logits after each window's last token.
    const last = new Float32Array(B * V);
    for (let b = 0; b < B; b++) last.set(out.logits.subarray((b * T + T - 1) * V, (b * T + T) * V), b * V);
    expect(maxAbsDiff(last, expected.logits)).toBeLessThan(1e-5);
  });

  it.each(["lstm", "gru"] as const)(
    "%s: onnxruntime matches the reference from a given state",
    async (cell) => {
      const m = hardModel(cell, 3);
      const model = await createOrtStepModel(ort, exportOnnx({ ...m, vocab: m.vocab.toJSON() }));
      const x = randomTokens(2 * 9, m.config.vocabSize, createRng(4));
      const ref = referenceForward(m.config, m.params, x, 2, 9);
      const got = await model.forward(x, 2, 9, model.initialState(2));
      expect(maxAbsDiff(got.logits, ref.logits)).toBeLessThan(1e-4);
      expect(maxAbsDiff(got.state.h, ref.state.h)).toBeLessThan(1e-5);
    },
  );

  const pythonOnnx = findPythonOnnx();
  it.skipIf(!pythonOnnx)("passes the official ONNX checker (LSTM and GRU, opset 14 and 21)", () => {
    const paths: string[] = [];
    for (const cell of ["lstm", "gru"] as const) {
      for (const opset of [14, 21]) {
        if (opset > pythonOnnx!.maxOpset) continue;
        const m = hardModel(cell, opset);
        const path = join(dir, `${cell}-${opset}.onnx`);
        writeFileSync(path, exportOnnx({ ...m, vocab: m.vocab.toJSON() }, { opset }));
        paths.push(path);
      }
    }
    const result = runOnnxChecker(pythonOnnx!.python, paths);
    expect(result.output).not.toMatch(/Error/);
    expect(result.ok).toBe(true);
    expect(result.output.match(/^ok /gm)).toHaveLength(paths.length);
  });
});
