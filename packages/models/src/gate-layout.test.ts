import { createRng } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import type { CellType, ModelConfig } from "./config";
import { defaultConfig } from "./config";
import {
  fromKerasLayer,
  fromOnnxLayer,
  GATE_ORDERS,
  joinGates,
  reorderGates,
  splitGates,
  toKerasLayer,
  toOnnxLayer,
  transpose,
} from "./gate-layout";
import { initParams } from "./init-params";
import { referenceForward } from "./reference/forward";
import type { NamedTensors } from "./tensor";

/** Params whose every entry says where it came from: 100·(PyTorch gate index + 1) + 10·unit + column. */
function labelled(config: ModelConfig): NamedTensors {
  const params = initParams(config, createRng(0));
  const H = config.hidden;
  for (const [name, t] of params) {
    if (!name.startsWith("rnn.")) continue;
    const cols = t.shape[1] ?? 1;
    for (let r = 0; r < t.shape[0]!; r++) {
      for (let c = 0; c < cols; c++) {
        t.data[r * cols + c] =
          100 * (Math.floor(r / H) + 1) + 10 * (r % H) + c + (name.includes("bias_hh") ? 0.5 : 0);
      }
    }
  }
  return params;
}

describe("reorderGates and transpose", () => {
  it("move whole H-row blocks", () => {
    const data = Float32Array.of(1, 2, 3, 4, 5, 6); // 3 gates × H=1 × cols=2
    expect([...reorderGates(data, 1, 2, ["a", "b", "c"], ["c", "a", "b"])]).toEqual([5, 6, 1, 2, 3, 4]);
  });

  it("transposes row-major matrices", () => {
    expect([...transpose(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3)]).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it("rejects unknown gates and wrong sizes", () => {
    expect(() => reorderGates(new Float32Array(3), 1, 1, ["a", "b", "c"], ["a", "b", "x"])).toThrow(
      /gate 'x'/,
    );
    expect(() => reorderGates(new Float32Array(4), 1, 1, ["a", "b", "c"], ["a", "b", "c"])).toThrow(
      /cannot reorder/,
    );
  });
});

describe("splitGates and joinGates", () => {
  it.each(["rnn", "gru", "lstm"] as CellType[])("%s: one block per PyTorch gate, and back", (cell) => {
    const config = defaultConfig({ cell, layers: 2, hidden: 2, vocabSize: 3, input: "onehot" });
    const params = labelled(config);
    const blocks = splitGates(config, params, 1);
    expect(Object.keys(blocks)).toEqual(GATE_ORDERS.pytorch[cell]);
    // Gate j's rows are the labelled rows 100·(j + 1) + 10·unit + column.
    const last = GATE_ORDERS.pytorch[cell].length;
    expect([...blocks[GATE_ORDERS.pytorch[cell][last - 1]!]!.wih.data.subarray(0, 2)]).toEqual([
      100 * last,
      100 * last + 1,
    ]);
    const back = joinGates(config, blocks, 1);
    for (const [name, t] of back) expect(t).toEqual(params.get(name));
    expect(() => joinGates(config, { ...blocks, [GATE_ORDERS.pytorch[cell][0]!]: undefined! }, 1)).toThrow(
      /is missing/,
    );
  });
});

describe("hand-checked gate orders (H=2, in=2)", () => {
  const lstm = defaultConfig({ cell: "lstm", layers: 1, hidden: 2, vocabSize: 2, input: "onehot" });
  const gru = defaultConfig({ cell: "gru", layers: 1, hidden: 2, vocabSize: 2, input: "onehot" });

  it("ONNX LSTM is i,o,f,c and GRU is z,r,h, same [G·H, in] rows", () => {
    const W = toOnnxLayer(lstm, labelled(lstm), 0).W;
    expect(W.shape).toEqual([1, 8, 2]);
    // rows: i0 i1 o0 o1 f0 f1 g0 g1 → PyTorch gate numbers 1,1,4,4,2,2,3,3
    expect([...W.data]).toEqual([
      100, 101, 110, 111, 400, 401, 410, 411, 200, 201, 210, 211, 300, 301, 310, 311,
    ]);
    const g = toOnnxLayer(gru, labelled(gru), 0);
    expect([...g.W.data]).toEqual([200, 201, 210, 211, 100, 101, 110, 111, 300, 301, 310, 311]);
    expect(g.B.shape).toEqual([1, 12]);
    expect([...g.B.data]).toEqual([200, 210, 100, 110, 300, 310, 200.5, 210.5, 100.5, 110.5, 300.5, 310.5]);
  });

  it("Keras kernels are transposed: LSTM i,f,c,o, GRU z,r,h with a [2, 3H] bias", () => {
    const k = toKerasLayer(lstm, labelled(lstm), 0);
    expect(k.kernel.shape).toEqual([2, 8]);
    // kernel[col][gate·H + unit]
    expect([...k.kernel.data.subarray(0, 8)]).toEqual([100, 110, 200, 210, 300, 310, 400, 410]);
    expect([...k.kernel.data.subarray(8)]).toEqual([101, 111, 201, 211, 301, 311, 401, 411]);
    expect(k.recurrentKernel.shape).toEqual([2, 8]);
    expect([...k.bias.data]).toEqual([200.5, 220.5, 400.5, 420.5, 600.5, 620.5, 800.5, 820.5]); // b_ih + b_hh
    const g = toKerasLayer(gru, labelled(gru), 0);
    expect([...g.kernel.data.subarray(0, 6)]).toEqual([200, 210, 100, 110, 300, 310]);
    expect(g.bias.shape).toEqual([2, 6]);
    expect([...g.bias.data]).toEqual([
      200, 210, 100, 110, 300, 310, 200.5, 210.5, 100.5, 110.5, 300.5, 310.5,
    ]);
  });

  it("orders agree with the table in GATE_ORDERS", () => {
    expect(GATE_ORDERS.onnx.lstm).toEqual(["i", "o", "f", "g"]);
    expect(GATE_ORDERS.keras.gru).toEqual(["z", "r", "n"]);
  });
});

describe.each(["rnn", "gru", "lstm"] as CellType[])("round trips: %s", (cell) => {
  const config = defaultConfig({ cell, layers: 2, hidden: 3, embed: 4, vocabSize: 5 });
  const params = initParams(config, createRng(7));

  it("PyTorch → ONNX → PyTorch is exact for every layer", () => {
    for (let layer = 0; layer < 2; layer++) {
      const back = fromOnnxLayer(config, toOnnxLayer(config, params, layer), layer);
      for (const [name, t] of back) expect(t, name).toEqual(params.get(name));
    }
  });

  it("PyTorch → Keras → PyTorch computes the same model", () => {
    const rebuilt: NamedTensors = new Map(params);
    for (let layer = 0; layer < 2; layer++) {
      const back = fromKerasLayer(config, toKerasLayer(config, params, layer), layer);
      for (const [name, t] of back) {
        if (cell === "gru" || !name.includes("bias")) expect(t, name).toEqual(params.get(name));
        rebuilt.set(name, t);
      }
    }
    const tokens = Int32Array.of(1, 4, 0, 2, 3, 3);
    const a = referenceForward(config, params, tokens, 2, 3).logits;
    const b = referenceForward(config, rebuilt, tokens, 2, 3).logits;
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
  });
});

describe("shape errors", () => {
  const gru = defaultConfig({ cell: "gru", layers: 1, hidden: 2, vocabSize: 3, input: "onehot" });
  const params = initParams(gru, createRng(1));

  it("refuse a reset_after=false Keras GRU bias and wrong ONNX shapes", () => {
    const k = toKerasLayer(gru, params, 0);
    expect(() => fromKerasLayer(gru, { ...k, bias: { shape: [6], data: new Float32Array(6) } }, 0)).toThrow(
      /reset_after/,
    );
    const o = toOnnxLayer(gru, params, 0);
    expect(() =>
      fromOnnxLayer(gru, { ...o, R: { shape: [1, 6, 3], data: new Float32Array(18) } }, 0),
    ).toThrow(/ONNX R has shape \[1,6,3\].*\[1,6,2\]/);
    expect(() => toOnnxLayer(gru, params, 1)).toThrow(/layer 1 does not exist/);
  });
});
