import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "@charrnn/core";
import {
  initParams,
  parseModel,
  referenceForward,
  serializeModel,
  WEIGHT_DTYPES,
  type WeightDtype,
} from "@charrnn/models";
import { afterAll, describe, expect, it } from "vitest";
import { exportOnnx } from "./export-onnx";
import { importOrtNode } from "./load-ort-node";
import { METADATA_KEYS } from "./metadata";
import { createOrtStepModel } from "./ort-step-model";
import { proto } from "./proto";
import {
  findPythonOnnx,
  maxAbsDiff,
  randomState,
  randomTokens,
  runOnnxChecker,
  testConfig,
  testModel,
  testVocab,
} from "./test-support";

const ort = await importOrtNode();

const cases = WEIGHT_DTYPES.flatMap((dtype) =>
  (["rnn", "gru", "lstm"] as const).map(
    (cell, i) => [dtype, cell, i === 1 ? "onehot" : "embedding"] as const,
  ),
);

/** The test model as a model file in `dtype` would load: the weights every engine should compute with. */
function reduced(
  cell: "rnn" | "gru" | "lstm",
  input: "embedding" | "onehot",
  dtype: WeightDtype,
  seed: number,
) {
  const m = testModel(cell, 2, input, seed);
  const file = parseModel(
    serializeModel({ config: m.config, vocab: m.vocab.toJSON(), params: m.params }, { dtype }),
  );
  return { ...m, params: file.params };
}

describe("exportOnnx dtype", () => {
  it.each(cases)(
    "%s %s (%s input): onnxruntime computes what the reduced model file loads as",
    async (dtype, cell, input) => {
      const m = reduced(cell, input, dtype, 40);
      // Export from the original float32 weights: the export reduces them the same way the model file does.
      const original = testModel(cell, 2, input, 40);
      const bytes = exportOnnx({ ...original, vocab: original.vocab.toJSON() }, { dtype });
      // Every optimization level: a runtime must not swap in kernels of other numerics.
      const model = await createOrtStepModel(ort, bytes, {
        sessionOptions: { graphOptimizationLevel: "all" },
      });
      const rng = createRng(5);
      const batch = 3;
      const tokens = randomTokens(batch * 30, 17, rng);
      const start = randomState(m.config, batch, rng);
      const ref = referenceForward(m.config, m.params, tokens, batch, 30, start);
      const got = await model.forward(tokens, batch, 30, start);
      expect(maxAbsDiff(got.logits, ref.logits)).toBeLessThan(1e-4);
      expect(maxAbsDiff(got.state.h, ref.state.h)).toBeLessThan(1e-4);
      await model.dispose();
      const decoded = proto.ModelProto.decode(bytes);
      const meta = new Map(decoded.metadataProps.map((e) => [e.key, e.value]));
      expect(meta.get(METADATA_KEYS.dtype)).toBe(dtype);
      const ops = new Set(decoded.graph!.node!.map((n) => n.opType));
      expect(ops.has("Mul")).toBe(dtype === "int8");
      expect(ops.has("Cast")).toBe(dtype !== "f32");
      const stored = new Set(decoded.graph!.initializer!.map((t) => t.dataType));
      expect(stored.has(proto.TensorProto.DataType.INT8)).toBe(dtype === "int8");
      expect(stored.has(proto.TensorProto.DataType.FLOAT16)).toBe(dtype === "f16");
      expect(stored.has(proto.TensorProto.DataType.BFLOAT16)).toBe(dtype === "bf16");
    },
  );

  it("shrinks the file: f16/bf16 about half of f32, int8 about a quarter", () => {
    const config = testConfig("lstm", 2, "embedding", 96);
    const model = { config, vocab: testVocab(17).toJSON(), params: initParams(config, createRng(8)) };
    const size = (dtype: WeightDtype) => exportOnnx(model, { dtype }).byteLength;
    const f32 = size("f32");
    expect(size("f16") / f32).toBeLessThan(0.52);
    expect(size("bf16") / f32).toBeLessThan(0.52);
    expect(size("int8") / f32).toBeLessThan(0.29);
  });
});

const pythonOnnx = findPythonOnnx();

describe.skipIf(!pythonOnnx)("official ONNX checker on reduced exports", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-onnx-dtype-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes check_model(full_check=True) for every dtype, cell and head", () => {
    const paths: string[] = [];
    for (const dtype of WEIGHT_DTYPES.filter((d) => d !== "f32")) {
      for (const [cell, input] of [
        ["rnn", "embedding"],
        ["gru", "onehot"],
        ["lstm", "embedding"],
      ] as const) {
        const m = testModel(cell, 2, input, paths.length + 60);
        const path = join(dir, `${dtype}-${cell}.onnx`);
        writeFileSync(
          path,
          exportOnnx({ ...m, vocab: m.vocab.toJSON() }, { dtype, opset: paths.length % 2 ? 17 : 14 }),
        );
        paths.push(path);
      }
      const c = testModel("gru", 1, "embedding", 70);
      const config = {
        ...c.config,
        head: { kind: "classifier" as const, labels: ["a", "b"], pooling: "mean" as const },
      };
      const params = initParams(config, createRng(71));
      const path = join(dir, `${dtype}-classifier.onnx`);
      writeFileSync(path, exportOnnx({ config, vocab: c.vocab.toJSON(), params }, { dtype }));
      paths.push(path);
    }
    const result = runOnnxChecker(pythonOnnx!.python, paths);
    expect(result.output).not.toMatch(/Error/);
    expect(result.ok).toBe(true);
    expect(result.output.match(/^ok /gm)).toHaveLength(paths.length);
  });
});
