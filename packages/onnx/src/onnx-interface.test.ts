import { describe, expect, it } from "vitest";
import { type OnnxValueInfo, resolveOnnxInterface } from "./onnx-interface";

const tensor = (name: string, type: string, shape: (number | string)[]): OnnxValueInfo => ({
  name,
  type,
  shape,
});
const gruInputs = [tensor("tokens", "int64", ["batch", "seq"]), tensor("h0", "float32", [2, "batch", 64])];
const gruOutputs = [
  tensor("logits", "float32", ["batch", "seq", 65]),
  tensor("h", "float32", [2, "batch", 64]),
];

describe("resolveOnnxInterface", () => {
  it("reads sizes from static dims and tells an LSTM by its c0 input", () => {
    expect(resolveOnnxInterface(gruInputs, gruOutputs)).toMatchObject({
      lstm: false,
      tokensType: "int64",
      layers: 2,
      hidden: 64,
      vocabSize: 65,
    });
    const lstm = resolveOnnxInterface(
      [...gruInputs, tensor("c0", "float32", [2, "batch", 64])],
      [...gruOutputs, tensor("c", "float32", [2, "batch", 64])],
    );
    expect(lstm.lstm).toBe(true);
  });

  it("maps other names and leaves sizes open when shapes are symbolic", () => {
    const r = resolveOnnxInterface(
      [tensor("input_ids", "int32", ["b", "t"]), tensor("state", "float32", ["l", "b", "h"])],
      [tensor("out", "float32", ["b", "t", "v"]), { name: "state_out" }],
      { tokens: "input_ids", h0: "state", logits: "out", h: "state_out" },
    );
    expect(r).toEqual({
      names: { tokens: "input_ids", h0: "state", c0: "c0", logits: "out", h: "state_out", c: "c" },
      lstm: false,
      tokensType: "int32",
    });
  });

  it.each([
    [
      "a missing input",
      [gruInputs[0]!],
      gruOutputs,
      {},
      /no input "h0" \(inputs: tokens\); map it with --onnx-h0/,
    ],
    [
      "a missing output",
      gruInputs,
      [gruOutputs[0]!],
      {},
      /no output "h" \(outputs: logits\); map it with --onnx-h /,
    ],
    [
      "an LSTM without c",
      [...gruInputs, tensor("c0", "float32", [])],
      gruOutputs,
      {},
      /no output "c".*--onnx-c /,
    ],
    [
      "a c0 flag with no such input",
      gruInputs,
      gruOutputs,
      { c0: "cell" },
      /no input "cell" given by --onnx-c0/,
    ],
    [
      "an input nobody feeds",
      [...gruInputs, tensor("mask", "bool", [])],
      gruOutputs,
      {},
      /input "mask" charrnn does not feed/,
    ],
    [
      "float token ids",
      [tensor("tokens", "float32", []), gruInputs[1]!],
      gruOutputs,
      {},
      /"tokens" is float32.*--onnx-tokens/,
    ],
    [
      "a rank-2 state",
      [gruInputs[0]!, tensor("h0", "float32", ["batch", 64])],
      gruOutputs,
      {},
      /"h0" has rank 2 .*expected 3; check --onnx-h0/,
    ],
    [
      "int64 logits",
      gruInputs,
      [tensor("logits", "int64", []), gruOutputs[1]!],
      {},
      /"logits" is int64, expected float32/,
    ],
  ] as const)("rejects %s with ONNX_BAD_INTERFACE", (_, inputs, outputs, names, message) => {
    expect(() => resolveOnnxInterface(inputs, outputs, names)).toThrow(
      expect.objectContaining({ code: "ONNX_BAD_INTERFACE", message: expect.stringMatching(message) }),
    );
  });
});
