import { createRng } from "@charrnn/core";
import {
  type CellType,
  type InputMode,
  initParams,
  type Pooling,
  referenceClassifierForward,
} from "@charrnn/models";
import { describe, expect, it } from "vitest";
import { exportOnnx } from "./export-onnx";
import { importOrtNode } from "./load-ort-node";
import { METADATA_KEYS } from "./metadata";
import { proto } from "./proto";
import { maxAbsDiff, testConfig, testVocab } from "./test-support";

const ort = await importOrtNode();

const LABELS = ["ar", "en", "fr", "ja", "ru"];

const cases: [CellType, number, InputMode, Pooling][] = [];
for (const cell of ["rnn", "gru", "lstm"] as const) {
  cases.push([cell, 1, "embedding", "last"], [cell, 2, "onehot", "mean"], [cell, 2, "embedding", "last"]);
}

describe("classifier export (onnxruntime-node) matches referenceClassifierForward", () => {
  it.each(cases)("%s, %i layer(s), %s input, %s pooling", async (cell, layers, input, pooling) => {
    const config = {
      ...testConfig(cell, layers, input),
      head: { kind: "classifier" as const, labels: LABELS, pooling },
    };
    const params = initParams(config, createRng(20 + layers));
    const bytes = exportOnnx({ config, vocab: testVocab(config.vocabSize).toJSON(), params });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(["tokens", "lengths"]);
    expect(session.outputNames).toEqual(["logits"]);
    const rng = createRng(5);
    const B = 4;
    const T = 9;
    const lengths = Int32Array.of(9, 1, 5, 3);
    const tokens = new Int32Array(B * T);
    // Padding past each length is random too: the result must not depend on it.
    for (let i = 0; i < tokens.length; i++) tokens[i] = rng.nextInt(config.vocabSize);
    const ref = referenceClassifierForward(config, params, tokens, lengths, B, T);
    const out = await session.run({
      tokens: new ort.Tensor(
        "int64",
        BigInt64Array.from(tokens, (v) => BigInt(v)),
        [B, T],
      ),
      lengths: new ort.Tensor(
        "int64",
        BigInt64Array.from(lengths, (v) => BigInt(v)),
        [B],
      ),
    });
    const logits = out.logits!;
    expect(logits.dims).toEqual([B, LABELS.length]);
    expect(maxAbsDiff(logits.data as Float32Array, ref.logits)).toBeLessThan(1e-4);
    await session.release();
  });

  it("records the classifier config in the metadata", () => {
    const config = {
      ...testConfig("gru", 1, "embedding"),
      head: { kind: "classifier" as const, labels: LABELS, pooling: "mean" as const },
    };
    const bytes = exportOnnx({
      config,
      vocab: testVocab(17).toJSON(),
      params: initParams(config, createRng(1)),
    });
    const props = proto.ModelProto.decode(bytes).metadataProps;
    const config2 = JSON.parse(props.find((p) => p.key === METADATA_KEYS.config)!.value!);
    expect(config2.head).toEqual({ kind: "classifier", labels: LABELS, pooling: "mean" });
  });
});
