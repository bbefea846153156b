import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CellType } from "./config";
import type { StateDict } from "./state-dict";
import { fromPytorchStateDict, inferConfigFromStateDict, mapStateDictNames } from "./state-dict";

const fixture = JSON.parse(
  readFileSync(new URL("../../../test-fixtures/torch/torch_parity.json", import.meta.url), "utf8"),
) as Record<CellType, { params: StateDict; vocab: number; embed: number; hidden: number; layers: number }>;

describe("inferConfigFromStateDict", () => {
  it.each(["rnn", "gru", "lstm"] as CellType[])("infers the %s fixture's architecture", (cell) => {
    const c = fixture[cell];
    const config = inferConfigFromStateDict(c.params);
    expect(config).toMatchObject({
      cell,
      layers: c.layers,
      hidden: c.hidden,
      embed: c.embed,
      vocabSize: c.vocab,
    });
    const params = fromPytorchStateDict(config, c.params);
    const w = params.get("rnn.weight_hh_l1")!;
    const nested = c.params["rnn.weight_hh_l1"] as number[][];
    expect(w.data[1 * c.hidden + 2]).toBe(Math.fround(nested[1]![2]!));
  });

  it("refuses a cell that contradicts the shapes", () => {
    expect(() => inferConfigFromStateDict(fixture.gru.params, { cell: "lstm" })).toThrow(
      /3 gate blocks \(gru\)/,
    );
  });

  it("infers one-hot input when there is no embedding", () => {
    const dict: StateDict = {
      "lstm.weight_ih_l0": { shape: [8, 3], data: new Float32Array(24) },
      "lstm.weight_hh_l0": { shape: [8, 2], data: new Float32Array(16) },
      "lstm.bias_ih_l0": { shape: [8], data: new Float32Array(8) },
      "lstm.bias_hh_l0": { shape: [8], data: new Float32Array(8) },
      "fc.weight": { shape: [3, 2], data: new Float32Array(6) },
      "fc.bias": { shape: [3], data: new Float32Array(3) },
    };
    const config = inferConfigFromStateDict(dict);
    expect(config).toMatchObject({ cell: "lstm", layers: 1, hidden: 2, vocabSize: 3, input: "onehot" });
    expect(config.embed).toBeUndefined();
    expect(fromPytorchStateDict(config, dict).size).toBe(6);
  });
});

describe("mapStateDictNames", () => {
  it("maps module aliases and ignores leading path parts", () => {
    const t = { shape: [1], data: [0.5] };
    const names = mapStateDictNames({
      "module.encoder.weight": t,
      "model.gru.weight_hh_l3": t,
      "decoder.bias": t,
      "head.weight": t,
    });
    expect([...names.keys()]).toEqual([
      "embedding.weight",
      "rnn.weight_hh_l3",
      "output.bias",
      "output.weight",
    ]);
    expect(names.get("output.bias")!.data).toEqual(Float32Array.of(0.5));
  });

  it("rejects unknown, duplicate, ragged and inconsistent entries", () => {
    const t = { shape: [1], data: [0] };
    expect(() => mapStateDictNames({ "rnn.weight_ih_l0_reverse": t })).toThrow(
      /'rnn.weight_ih_l0_reverse' is not/,
    );
    expect(() => mapStateDictNames({ "emb.weight": t, "embedding.weight": t })).toThrow(
      /'emb.weight' and 'embedding.weight' both map to 'embedding.weight'/,
    );
    expect(() => mapStateDictNames({ "fc.weight": [[1, 2], [3]] })).toThrow(/ragged/);
    expect(() => mapStateDictNames({ "fc.weight": { shape: [2, 2], data: [1, 2, 3] } })).toThrow(/3 values/);
  });

  it("checks shapes against the config", () => {
    const config = inferConfigFromStateDict(fixture.rnn.params);
    const wrong = { ...fixture.rnn.params, "out.bias": { shape: [12], data: new Float32Array(12) } };
    expect(() => fromPytorchStateDict(config, wrong)).toThrow(
      /state_dict: tensor 'output.bias' has shape \[12\]/,
    );
  });
});
