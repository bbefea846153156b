import { createRng } from "@charrnn/core";
import { defaultConfig, encodeSafetensors, initParams } from "@charrnn/models";
import { exportOnnx } from "@charrnn/onnx";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { detectModelFormat } from "./model-format";

describe("detectModelFormat", () => {
  it("recognises real safetensors and ONNX bytes whatever the name", () => {
    const safetensors = encodeSafetensors(new Map([["w", { shape: [2], data: new Float32Array([1, 2]) }]]));
    const vocab = Vocab.fromText("abc");
    const config = defaultConfig({ vocabSize: vocab.size, hidden: 4, cell: "gru" });
    const onnx = exportOnnx({ config, vocab: vocab.toJSON(), params: initParams(config, createRng(1)) });
    expect(detectModelFormat("upload.bin", safetensors)).toBe("safetensors");
    expect(detectModelFormat("model.safetensors", onnx)).toBe("onnx");
  });

  it("falls back to the extension, then refuses naming the file", () => {
    const junk = new TextEncoder().encode("hello world, not a model");
    expect(detectModelFormat("m.ONNX", junk)).toBe("onnx");
    expect(detectModelFormat("m.safetensors", junk)).toBe("safetensors");
    expect(() => detectModelFormat("notes.txt", junk)).toThrow(/notes\.txt is neither a charrnn model/);
    expect(() => detectModelFormat("empty", new Uint8Array())).toThrow(
      expect.objectContaining({ code: "MODEL_FORMAT_UNKNOWN" }),
    );
  });
});
