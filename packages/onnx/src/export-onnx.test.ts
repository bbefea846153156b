import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Vocab } from "@charrnn/vocab";
import type { onnx } from "onnx-proto";
import { afterAll, describe, expect, it } from "vitest";
import { exportOnnx } from "./export-onnx";
import { importOrtNode } from "./load-ort-node";
import { METADATA_KEYS, ONNX_FORMAT, readCharrnnMetadata } from "./metadata";
import { createOrtStepModel } from "./ort-step-model";
import { proto } from "./proto";
import { findPythonOnnx, maxAbsDiff, runOnnxChecker, testModel } from "./test-support";

const ort = await importOrtNode();

const decode = (bytes: Uint8Array) => proto.ModelProto.decode(bytes);
const graphOf = (bytes: Uint8Array) => decode(bytes).graph as onnx.GraphProto;
const dims = (v: onnx.IValueInfoProto) =>
  v.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
const attr = (n: onnx.INodeProto, name: string) => n.attribute!.find((a) => a.name === name);
const floats = (t: onnx.ITensorProto) => {
  const raw = t.rawData!;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
};

describe("exportOnnx", () => {
  it("writes the documented interface, opset 14 / IR 7 by default, and the metadata", () => {
    const m = testModel("lstm", 2, "embedding", 1);
    const model = decode(exportOnnx({ ...m, vocab: m.vocab.toJSON() }));
    expect(Number(model.irVersion)).toBe(7);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", 14]]);
    expect(model.producerName).toBe("charrnn");
    const g = model.graph as onnx.GraphProto;
    expect(g.input.map((v) => [v.name, v.type!.tensorType!.elemType, dims(v)])).toEqual([
      ["tokens", 7, ["batch", "seq"]],
      ["h0", 1, [2, "batch", 12]],
      ["c0", 1, [2, "batch", 12]],
    ]);
    expect(g.output.map((v) => [v.name, dims(v)])).toEqual([
      ["logits", ["batch", "seq", 17]],
      ["h", [2, "batch", 12]],
      ["c", [2, "batch", 12]],
    ]);
    expect(g.node.filter((n) => n.opType === "LSTM")).toHaveLength(2);
    expect(g.node.some((n) => n.opType === "Gather")).toBe(true);
    const meta = new Map(model.metadataProps.map((e) => [e.key!, e.value!]));
    expect(meta.get(METADATA_KEYS.format)).toBe(ONNX_FORMAT);
    expect(JSON.parse(meta.get(METADATA_KEYS.config)!)).toEqual(m.config);
    expect(meta.get(METADATA_KEYS.vocabHash)).toBe(m.vocab.hash);
    const read = readCharrnnMetadata(meta);
    expect(read.vocab?.tokens).toEqual(m.vocab.tokens);
    expect(read.config).toEqual(m.config);
  });

  it("writes GRU with linear_before_reset=1 and z,r,h gate blocks; RNN with Tanh; one-hot via OneHot", () => {
    const m = testModel("gru", 1, "onehot", 2);
    const g = graphOf(exportOnnx({ ...m, vocab: m.vocab.toJSON() }));
    const gru = g.node.find((n) => n.opType === "GRU")!;
    expect(Number(attr(gru, "linear_before_reset")!.i)).toBe(1);
    expect(Number(attr(gru, "hidden_size")!.i)).toBe(12);
    expect(g.node.some((n) => n.opType === "OneHot")).toBe(true);
    // PyTorch stacks r,z,n; ONNX wants z,r,h: ONNX block 0 must be PyTorch block 1.
    const W = floats(g.initializer.find((t) => t.name === gru.input![1])!);
    const wih = m.params.get("rnn.weight_ih_l0")!.data;
    const block = 12 * 17;
    expect(Array.from(W.subarray(0, block))).toEqual(Array.from(wih.subarray(block, 2 * block)));
    expect(Array.from(W.subarray(block, 2 * block))).toEqual(Array.from(wih.subarray(0, block)));
    expect(Array.from(W.subarray(2 * block))).toEqual(Array.from(wih.subarray(2 * block)));

    const r = testModel("rnn", 1, "embedding", 3);
    const rnn = graphOf(exportOnnx({ ...r, vocab: r.vocab.toJSON() })).node.find((n) => n.opType === "RNN")!;
    expect(new TextDecoder().decode(attr(rnn, "activations")!.strings![0])).toBe("Tanh");
  });

  it("honours producer options and the opset → IR table", () => {
    const m = testModel("rnn", 1, "embedding", 4);
    const model = decode(
      exportOnnx({ ...m, vocab: m.vocab.toJSON() }, { opset: 17, producerName: "x", producerVersion: "9" }),
    );
    expect([
      Number(model.irVersion),
      Number(model.opsetImport[0]!.version),
      model.producerName,
      model.producerVersion,
    ]).toEqual([8, 17, "x", "9"]);
    expect(Number(decode(exportOnnx({ ...m, vocab: m.vocab.toJSON() }, { opset: 21 })).irVersion)).toBe(10);
  });

  it("runs the same in onnxruntime at every supported opset edge", async () => {
    const m = testModel("lstm", 2, "onehot", 5);
    const tokens = Int32Array.of(1, 4, 9, 16, 0, 2);
    const outs = [];
    for (const opset of [14, 17, 21]) {
      const model = await createOrtStepModel(ort, exportOnnx({ ...m, vocab: m.vocab.toJSON() }, { opset }));
      outs.push((await model.forward(tokens, 2, 3, model.initialState(2))).logits);
      await model.dispose();
    }
    expect(maxAbsDiff(outs[0]!, outs[1]!)).toBe(0);
    expect(maxAbsDiff(outs[0]!, outs[2]!)).toBe(0);
  });

  it("rejects a bad opset, a vocab of the wrong size, missing weights and a classifier head without its weights", () => {
    const m = testModel("gru", 1, "embedding", 6);
    const vocab = m.vocab.toJSON();
    expect(() => exportOnnx({ ...m, vocab }, { opset: 13 })).toThrow(
      /opset must be an integer in \[14, 21\], got 13/,
    );
    expect(() => exportOnnx({ ...m, vocab: Vocab.fromText("abc").toJSON() })).toThrow(
      expect.objectContaining({ code: "MODEL_SHAPE_MISMATCH" }),
    );
    const params = new Map(m.params);
    params.delete("rnn.weight_hh_l0");
    expect(() => exportOnnx({ ...m, vocab, params })).toThrow(/weight_hh_l0/);
    const config = {
      ...m.config,
      head: { kind: "classifier" as const, labels: ["a"], pooling: "last" as const },
    };
    expect(() => exportOnnx({ ...m, config, vocab })).toThrow(/classifier\.weight/);
  });
});

const pythonOnnx = findPythonOnnx();
const skipNote = pythonOnnx
  ? ` (onnx checker via ${pythonOnnx.python}, opsets ≤ ${pythonOnnx.maxOpset})`
  : " (skipped: no python3 imports onnx; pip install onnx or apt-get install python3-onnx to run it)";

describe.skipIf(!pythonOnnx)(`official ONNX checker${skipNote}`, () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-onnx-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes check_model(full_check=True) for every cell, input mode and opset edge it knows", () => {
    const { python, maxOpset } = pythonOnnx!;
    const paths: string[] = [];
    for (const cell of ["rnn", "gru", "lstm"] as const) {
      for (const input of ["embedding", "onehot"] as const) {
        for (const [layers, opset] of [
          [1, 14],
          [2, 17],
          [3, 21],
        ] as const) {
          if (opset > maxOpset) continue;
          const m = testModel(cell, layers, input, paths.length + 10);
          const path = join(dir, `${cell}-${input}-${layers}-${opset}.onnx`);
          writeFileSync(path, exportOnnx({ ...m, vocab: m.vocab.toJSON() }, { opset }));
          paths.push(path);
        }
      }
    }
    expect(paths.length).toBeGreaterThanOrEqual(6);
    const result = runOnnxChecker(python, paths);
    expect(result.output).not.toMatch(/Error/);
    expect(result.ok).toBe(true);
    expect(result.output.match(/^ok /gm)).toHaveLength(paths.length);
  });
});
