import { Vocab } from "@charrnn/vocab";
import type { onnx } from "onnx-proto";
import { describe, expect, it } from "vitest";
import { exportOnnx } from "./export-onnx";
import { loadOnnxModel } from "./load-onnx-model";
import { importOrtNode } from "./load-ort-node";
import { METADATA_KEYS } from "./metadata";
import { createOrtStepModel } from "./ort-step-model";
import { proto } from "./proto";
import { maxAbsDiff, testModel } from "./test-support";

const ort = await importOrtNode();

const m = testModel("lstm", 2, "embedding", 41);
const bytes = exportOnnx({ ...m, vocab: m.vocab.toJSON() });
const tokens = Int32Array.of(3, 1, 4, 1, 5, 9);

/**
 * Re-encodes `bytes` after `edit` changes the decoded model, as another tool would: without the
 * digest, which only charrnn's export writes (a stale one would make the file read as damaged).
 */
function edited(edit: (model: ReturnType<typeof proto.ModelProto.decode>) => void): Uint8Array {
  const model = proto.ModelProto.decode(bytes);
  model.metadataProps = model.metadataProps.filter((e) => e.key !== METADATA_KEYS.sha256);
  edit(model);
  return proto.ModelProto.encode(model).finish();
}

describe("loadOnnxModel", () => {
  it("loads a charrnn export from bytes with its own vocab and config, importing onnxruntime-node itself", async () => {
    const { model, vocab } = await loadOnnxModel(bytes);
    expect(vocab.hash).toBe(m.vocab.hash);
    expect(model.config).toEqual(m.config);
    expect(model.metadata.get(METADATA_KEYS.vocabHash)).toBe(m.vocab.hash);
    await model.dispose();
  });

  it("runs a renamed graph with int32 token ids through names mapping", async () => {
    const renamed = edited((model) => {
      const g = model.graph as onnx.GraphProto;
      const rename: Record<string, string> = { tokens: "ids", h0: "state_h", c0: "state_c", logits: "out" };
      for (const v of [...g.input, ...g.output] as onnx.ValueInfoProto[]) v.name = rename[v.name] ?? v.name;
      for (const n of g.node as onnx.NodeProto[]) {
        n.input = n.input.map((x) => rename[x] ?? x);
        n.output = n.output.map((x) => rename[x] ?? x);
      }
      g.input[0]!.type!.tensorType!.elemType = 6; // int32: Gather takes either index type
    });
    const names = { tokens: "ids", h0: "state_h", c0: "state_c", logits: "out" };
    const { model } = await loadOnnxModel(renamed, { ort, names });
    const plain = await createOrtStepModel(ort, bytes);
    const a = await model.forward(tokens, 2, 3, model.initialState(2));
    const b = await plain.forward(tokens, 2, 3, plain.initialState(2));
    expect(maxAbsDiff(a.logits, b.logits)).toBe(0);
    expect(maxAbsDiff(a.state.c!, b.state.c!)).toBe(0);
    await expect(loadOnnxModel(renamed, { ort })).rejects.toMatchObject({ code: "ONNX_BAD_INTERFACE" });
    await Promise.all([model.dispose(), plain.dispose()]);
  });

  it("wraps an existing session; then only the vocab option can supply the vocabulary", async () => {
    const session = await ort.InferenceSession.create(bytes);
    const model = await createOrtStepModel(ort, session, { vocab: m.vocab.tokens });
    expect([model.cell, model.layers, model.hidden, model.vocabSize]).toEqual(["lstm", 2, 12, 17]);
    expect(model.metadata.size).toBe(0);
    expect(model.vocab?.tokens).toEqual(m.vocab.tokens);
    await model.dispose();
  });

  it("refuses a vocab that differs from the exported one, and edited metadata", async () => {
    const other = Vocab.fromText("ABCDEFGHIJKLMNOPQ");
    await expect(loadOnnxModel(bytes, { ort, vocab: other })).rejects.toMatchObject({
      code: "ONNX_VOCAB_MISMATCH",
    });
    const tampered = edited((model) => {
      for (const e of model.metadataProps) if (e.key === METADATA_KEYS.vocabHash) e.value = "sha256:00";
    });
    await expect(loadOnnxModel(tampered, { ort })).rejects.toMatchObject({
      code: "ONNX_BAD_METADATA",
      message: expect.stringContaining("charrnn.vocab_hash says sha256:00"),
    });
    const future = edited((model) => {
      for (const e of model.metadataProps) if (e.key === METADATA_KEYS.format) e.value = "charrnn-onnx/9";
    });
    await expect(loadOnnxModel(future, { ort })).rejects.toThrow(/charrnn-onnx\/9.*upgrade charrnn/);
  });

  it("reports unreadable files and non-ONNX bytes", async () => {
    await expect(loadOnnxModel("/nonexistent/model.onnx", { ort })).rejects.toMatchObject({
      code: "ONNX_READ_FAILED",
      message: expect.stringContaining("/nonexistent/model.onnx"),
    });
    await expect(loadOnnxModel(Uint8Array.of(0xff, 0xff, 0xff), { ort })).rejects.toMatchObject({
      code: "ONNX_INVALID",
    });
  });

  it("carries a sha256 digest: a flipped weight byte is refused as damaged; a digest-less file still loads", async () => {
    const digest = readCharrnnDigest(bytes);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    // The last initializer's float data sits near the end of the graph, before the metadata.
    const model = proto.ModelProto.decode(bytes);
    const init = model.graph!.initializer!.at(-1)!;
    const raw = init.rawData!;
    const at = indexOfBytes(bytes, raw.subarray(0, 16));
    expect(at).toBeGreaterThan(0);
    for (const bit of [0, 3, 7]) {
      const flipped = bytes.slice();
      flipped[at + 5]! ^= 1 << bit;
      await expect(loadOnnxModel(flipped, { ort, source: "w.onnx" })).rejects.toMatchObject({
        code: "ONNX_INVALID",
        message:
          "w.onnx is damaged: its bytes do not match the sha256 digest it carries (charrnn.sha256); re-export it",
      });
    }
    const { model: loaded } = await loadOnnxModel(
      edited(() => {}),
      { ort },
    );
    await loaded.dispose();
  });
});

function readCharrnnDigest(file: Uint8Array): string | undefined {
  return (
    proto.ModelProto.decode(file).metadataProps.find((e) => e.key === METADATA_KEYS.sha256)?.value ??
    undefined
  );
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((b, j) => haystack[i + j] === b)) return i;
  }
  return -1;
}
