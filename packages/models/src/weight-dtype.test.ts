import { createRng } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "./config";
import { initParams } from "./init-params";
import type { ModelFile } from "./model-file";
import { parseModel, serializeModel } from "./model-file";
import { int8Weights, storeTensors } from "./reduced-tensors";
import { encodeSafetensors } from "./safetensors";
import {
  dequantizeRows,
  fromBfloat16Bits,
  fromFloat16Bits,
  quantizeRows,
  reducedWeightNames,
  roundTripWeights,
  toBfloat16Bits,
  toFloat16Bits,
  WEIGHT_DTYPES,
} from "./weight-dtype";
import { paramNames } from "./weight-layout";

const f16 = (...values: number[]) => Array.from(toFloat16Bits(Float32Array.from(values)));
const bf16 = (...values: number[]) => Array.from(toBfloat16Bits(Float32Array.from(values)));

describe("float16", () => {
  it("rounds to nearest even, keeps subnormals, signs, infinities and NaN", () => {
    expect(f16(1, -2, 0.5, 65504, 2 ** -24, 2 ** -14, -0)).toEqual([
      0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x0400, 0x8000,
    ]);
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa.
    expect(f16(1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20)).toEqual([0x3c00, 0x3c02, 0x3c01]);
    expect(f16(2 ** -26, 3 * 2 ** -25, 2 ** -30)).toEqual([0x0000, 0x0002, 0x0000]);
    expect(f16(Number.POSITIVE_INFINITY)).toEqual([0x7c00]);
    expect(Number.isNaN(fromFloat16Bits(Uint16Array.of(f16(Number.NaN)[0]!))[0])).toBe(true);
    // The largest value below 65520 rounds down to 65504; 65520 and above would be infinity.
    expect(f16(65519)).toEqual([0x7bff]);
    expect(() => toFloat16Bits(Float32Array.of(0, 65520), "tensor 'w'")).toThrow(
      expect.objectContaining({
        code: "MODEL_DTYPE_RANGE",
        message: expect.stringMatching(/tensor 'w' holds 65520 at index 1/),
      }),
    );
  });

  it("widens every finite half exactly and narrows it back to the same bits", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const finite = all.filter((b) => (b & 0x7c00) !== 0x7c00);
    const wide = fromFloat16Bits(finite);
    expect(wide[0x3c00]).toBe(1);
    expect(wide[0x0001]).toBe(2 ** -24);
    expect(Array.from(toFloat16Bits(wide))).toEqual(Array.from(finite));
  });
});

describe("bfloat16", () => {
  it("keeps the high half of float32, rounding to nearest even", () => {
    expect(bf16(1, -2, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, 3e38)).toEqual([
      0x3f80, 0xc000, 0x3f80, 0x3f82, 0x3f81, 0x7f62,
    ]);
    expect(Number.isNaN(fromBfloat16Bits(Uint16Array.from(bf16(Number.NaN)))[0])).toBe(true);
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10 ** ((i % 9) - 4));
    const wide = fromBfloat16Bits(toBfloat16Bits(values));
    for (let i = 0; i < values.length; i++) {
      expect(Math.abs(wide[i]! - values[i]!)).toBeLessThanOrEqual(Math.abs(values[i]!) * 2 ** -8);
    }
  });
});

describe("int8 rows", () => {
  it("scales each row by its largest magnitude / 127 and rounds within half a step", () => {
    const data = Float32Array.of(0.5, -1.27, 0.01, 0, 0, 0, 3, 2, -1);
    const q = quantizeRows(data, 3, 3);
    expect(Array.from(q.scales)).toEqual([Math.fround(1.27 / 127), 1, Math.fround(3 / 127)]);
    expect(Array.from(q.values)).toEqual([50, -127, 1, 0, 0, 0, 127, 85, -42]);
    const back = dequantizeRows(q);
    for (let i = 0; i < data.length; i++) {
      expect(Math.abs(back[i]! - data[i]!)).toBeLessThanOrEqual(q.scales[Math.floor(i / 3)]! / 2 + 1e-7);
    }
    expect(() => quantizeRows(data, 2, 3)).toThrow(/cannot quantize 9 values as \[2,3\]/);
  });
});

describe("model files in every dtype", () => {
  const config = defaultConfig({ cell: "lstm", layers: 2, hidden: 16, embed: 8, vocabSize: 12 });
  const vocab = Vocab.fromJSON([..."abcdefghijkl"]).toJSON();
  const model: ModelFile = { config, vocab, params: initParams(config, createRng(3)) };
  /** Bytes of the data section (the file less its header), per dtype. */
  const dataBytes = new Map(
    WEIGHT_DTYPES.map((d) => {
      const bytes = serializeModel(model, { dtype: d });
      return [d, bytes.byteLength - 8 - new DataView(bytes.buffer).getUint32(0, true)];
    }),
  );

  it.each(WEIGHT_DTYPES)("%s: save → parse widens to exactly what roundTripWeights predicts", (dtype) => {
    const loaded = parseModel(serializeModel(model, { dtype }));
    expect(loaded.dtype).toBe(dtype === "f32" ? undefined : dtype);
    const reduced = new Set(reducedWeightNames(config, dtype));
    for (const name of paramNames(config)) {
      const t = model.params.get(name)!;
      const expected = reduced.has(name)
        ? roundTripWeights(t.data, t.shape[0]!, t.shape[1] ?? 1, dtype)
        : t.data;
      expect(loaded.params.get(name)!.shape).toEqual(t.shape);
      expect(Array.from(loaded.params.get(name)!.data)).toEqual(Array.from(expected));
    }
    // Saving the loaded model again keeps its dtype and its values.
    const again = parseModel(serializeModel(loaded));
    expect(again.dtype).toBe(loaded.dtype);
    for (const [name, t] of loaded.params) expect(again.params.get(name)!.data).toEqual(t.data);
  });

  it("stores the weight matrices at 2 bytes (f16, bf16) and 1 byte + a 4-byte scale per row (int8)", () => {
    const names = reducedWeightNames(config, "int8");
    const weights = names.reduce((n, k) => n + model.params.get(k)!.data.length, 0);
    const rows = names.reduce((n, k) => n + model.params.get(k)!.shape[0]!, 0);
    const f32 = dataBytes.get("f32")!;
    expect(f32).toBe(paramNames(config).reduce((n, k) => n + model.params.get(k)!.data.length * 4, 0));
    expect(dataBytes.get("f16")).toBe(f32 - 2 * weights);
    expect(dataBytes.get("bf16")).toBe(f32 - 2 * weights);
    expect(dataBytes.get("int8")).toBe(f32 - 3 * weights + 4 * rows);
  });

  it("exposes an int8 file's rows and scales as stored", () => {
    const loaded = parseModel(serializeModel(model, { dtype: "int8" }));
    const rows = loaded.int8!.get("rnn.weight_hh_l1")!;
    expect([rows.rows, rows.cols]).toEqual([64, 16]);
    const direct = quantizeRows(model.params.get("rnn.weight_hh_l1")!.data, 64, 16);
    expect(rows.values).toEqual(direct.values);
    expect(rows.scales).toEqual(direct.scales);
    expect(loaded.int8!.has("rnn.bias_ih_l0")).toBe(false);
    expect(parseModel(serializeModel(model, { dtype: "f16" })).int8).toBeUndefined();
    // int8Weights: the stored rows of an int8 file, the same rows quantized now from a float32 model.
    const fromFile = int8Weights(loaded);
    const fromFloat = int8Weights(model);
    expect([...fromFile.keys()]).toEqual(reducedWeightNames(config, "int8"));
    expect(fromFile.get("rnn.weight_hh_l1")).toBe(rows);
    for (const [name, q] of fromFloat) {
      expect(q.values).toEqual(fromFile.get(name)!.values);
      expect(dequantizeRows(q)).toEqual(loaded.params.get(name)!.data);
    }
  });

  it("refuses an int8 matrix without its scales and a dtype the tensors contradict", () => {
    const bytes = serializeModel(model, { dtype: "int8" });
    const stored = parseModel(bytes);
    const header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(8, 8 + new DataView(bytes.buffer).getUint32(0, true))),
    );
    const meta = header.__metadata__ as Record<string, string>;
    // Files put together by hand, without the digest a charrnn-written file carries.
    delete meta.sha256;
    const tensors = new Map(
      [...stored.int8!].map(([name, q]) => [
        name,
        { dtype: "I8" as const, shape: [q.rows, q.cols], data: q.values },
      ]),
    );
    expect(() => parseModel(encodeSafetensors(tensors, meta), { source: "q.st" })).toThrow(
      /model file q\.st is damaged: int8 tensor 'embedding.weight' needs a float32 \[12\] 'embedding.weight.scale'/,
    );
    const f16Bytes = serializeModel(model, { dtype: "f16" });
    const f16Header = JSON.parse(
      new TextDecoder().decode(f16Bytes.subarray(8, 8 + new DataView(f16Bytes.buffer).getUint32(0, true))),
    );
    expect(f16Header["rnn.weight_ih_l0"].dtype).toBe("F16");
    expect(f16Header["rnn.bias_ih_l0"].dtype).toBe("F32");
    expect(f16Header.__metadata__.dtype).toBe("f16");
    const lying = encodeSafetensors(storeTensors(config, model.params, "f16"), { ...meta, dtype: "int8" });
    expect(() => parseModel(lying, { source: "l.st" })).toThrow(
      /model file l\.st is damaged: __metadata__.dtype says "int8" but its tensors are f16/,
    );
    expect(() => serializeModel(model, { dtype: "f8" as never })).toThrow(
      /dtype must be f32, f16, bf16, int8/,
    );
  });
});
