import { createRng } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "./config";
import { initParams, orthogonal } from "./init-params";
import type { NamedTensors } from "./tensor";
import { expectedShapes, paramCount, paramNames, validateParams } from "./weight-layout";

const lstm = defaultConfig({ cell: "lstm", layers: 2, hidden: 8, embed: 5, vocabSize: 11, forgetBias: 1 });

describe("layout", () => {
  it("lists names and PyTorch shapes in layout order", () => {
    expect([...expectedShapes(lstm)]).toEqual([
      ["embedding.weight", [11, 5]],
      ["rnn.weight_ih_l0", [32, 5]],
      ["rnn.weight_hh_l0", [32, 8]],
      ["rnn.bias_ih_l0", [32]],
      ["rnn.bias_hh_l0", [32]],
      ["rnn.weight_ih_l1", [32, 8]],
      ["rnn.weight_hh_l1", [32, 8]],
      ["rnn.bias_ih_l1", [32]],
      ["rnn.bias_hh_l1", [32]],
      ["output.weight", [11, 8]],
      ["output.bias", [11]],
    ]);
    const onehotGru = defaultConfig({ cell: "gru", hidden: 4, vocabSize: 3, input: "onehot" });
    expect(paramNames(onehotGru)[0]).toBe("rnn.weight_ih_l0");
    expect(expectedShapes(onehotGru).get("rnn.weight_ih_l0")).toEqual([12, 3]);
    // 3·4·3 + 3·4·4 + 2·12 + 3·4 + 3
    expect(paramCount(onehotGru)).toBe(36 + 48 + 24 + 12 + 3);
  });
});

describe("initParams", () => {
  it("is deterministic per seed and follows each scheme's ranges", () => {
    const a = initParams(lstm, createRng(3));
    const b = initParams(lstm, createRng(3));
    expect(a).toEqual(b);
    validateParams(lstm, a);
    const bound = 1 / Math.sqrt(8);
    const whh = a.get("rnn.weight_hh_l0")!.data;
    expect(Math.max(...whh.map(Math.abs))).toBeLessThanOrEqual(bound);
    // forget-gate block (rows H..2H) of bias_ih is shifted by forgetBias
    const bih = a.get("rnn.bias_ih_l0")!.data;
    expect(Math.min(...bih.subarray(8, 16))).toBeGreaterThanOrEqual(1 - bound);
    expect(Math.max(...bih.subarray(0, 8).map(Math.abs))).toBeLessThanOrEqual(bound);
    // N(0,1) embedding: some entries beyond the ±1/√H range
    expect(Math.max(...a.get("embedding.weight")!.data.map(Math.abs))).toBeGreaterThan(bound);
    const u = initParams({ ...lstm, init: { kind: "uniform", scale: 0.05 } }, createRng(1));
    for (const [, t] of u) expect(Math.max(...t.data.map(Math.abs))).toBeLessThanOrEqual(1.05);
    expect(Math.max(...u.get("output.weight")!.data.map(Math.abs))).toBeLessThanOrEqual(0.05);
  });

  it("glorot: orthogonal recurrent gate blocks and zero biases (forget bias aside)", () => {
    const p = initParams({ ...lstm, init: { kind: "glorot" } }, createRng(2));
    const whh = p.get("rnn.weight_hh_l1")!.data;
    for (let gate = 0; gate < 4; gate++) {
      const q = whh.subarray(gate * 64, (gate + 1) * 64);
      for (let i = 0; i < 8; i++) {
        for (let j = 0; j < 8; j++) {
          let dot = 0;
          for (let k = 0; k < 8; k++) dot += q[i * 8 + k]! * q[j * 8 + k]!;
          expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
        }
      }
    }
    expect([...p.get("rnn.bias_hh_l0")!.data].every((v) => v === 0)).toBe(true);
    expect([...p.get("rnn.bias_ih_l0")!.data.subarray(8, 16)].every((v) => v === 1)).toBe(true);
    const limit = Math.sqrt(6 / (5 + 32));
    expect(Math.max(...p.get("rnn.weight_ih_l0")!.data.map(Math.abs))).toBeLessThanOrEqual(limit);
  });

  it("orthogonal() gives QᵀQ = I", () => {
    const q = orthogonal(5, createRng(9));
    for (let i = 0; i < 5; i++) {
      let norm = 0;
      for (let k = 0; k < 5; k++) norm += q[k * 5 + i]! ** 2;
      expect(norm).toBeCloseTo(1, 5);
    }
  });
});

describe("validateParams", () => {
  const fresh = (): NamedTensors => initParams(lstm, createRng(4));

  it("names a misshapen tensor with both shapes", () => {
    const p = fresh();
    p.set("rnn.weight_hh_l1", { shape: [32, 7], data: new Float32Array(224) });
    expect(() => validateParams(lstm, p, "m.safetensors")).toThrow(
      expect.objectContaining({
        code: "MODEL_SHAPE_MISMATCH",
        message: expect.stringMatching(
          /^m\.safetensors: tensor 'rnn\.weight_hh_l1' has shape \[32,7\] .* needs \[32,8\]/,
        ),
      }),
    );
  });

  it("reports missing, unexpected, short and non-finite tensors", () => {
    let p = fresh();
    p.delete("output.bias");
    expect(() => validateParams(lstm, p)).toThrow(/'output.bias' \[11\] is missing/);
    p = fresh();
    p.set("rnn.weight_ih_l2", { shape: [1], data: new Float32Array(1) });
    expect(() => validateParams(lstm, p)).toThrow(/unexpected tensor 'rnn.weight_ih_l2'/);
    p = fresh();
    p.set("output.bias", { shape: [11], data: new Float32Array(10) });
    expect(() => validateParams(lstm, p)).toThrow(/has 10 values/);
    p = fresh();
    p.get("rnn.bias_hh_l0")!.data[3] = Number.NaN;
    expect(() => validateParams(lstm, p)).toThrow(
      expect.objectContaining({
        code: "MODEL_NONFINITE",
        message: expect.stringContaining("'rnn.bias_hh_l0'"),
      }),
    );
  });
});
