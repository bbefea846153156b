import { parseModel } from "@charrnn/models";
import { describe, expect, it } from "vitest";
import { explainModelError } from "./explain-error";
import { detectModelFormat } from "./model-format";

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("explainModelError", () => {
  it("turns a raw safetensors header error into a sentence, keeping the raw message as detail", () => {
    // A file that starts like a safetensors header length but is not one.
    const bytes = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0xcf, 0x7b, 0x22]);
    const error = thrown(() => parseModel(bytes, { source: "photo.safetensors" }));
    const explained = explainModelError("photo.safetensors", error);
    expect(explained.message).toMatch(/^photo\.safetensors is not a model file this page can read/);
    expect(explained.message).not.toMatch(/header length/);
    expect(explained.detail).toMatch(/header length \d+ exceeds/);
  });

  it("passes a message already written for people through, without detail", () => {
    const error = thrown(() => detectModelFormat("notes.bin", new TextEncoder().encode("hi")));
    expect(explainModelError("notes.bin", error)).toEqual({
      message: expect.stringContaining("notes.bin is neither a charrnn model"),
      detail: undefined,
    });
  });

  it("says something useful about anything else", () => {
    expect(explainModelError("x.onnx", new Error("boom"))).toEqual({
      message: expect.stringMatching(/^x\.onnx could not be opened\. Open a \.safetensors file/),
      detail: "boom",
    });
  });
});
