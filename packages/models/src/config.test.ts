import { describe, expect, it } from "vitest";
import type { ModelConfig } from "./config";
import { checkTrainableGates, defaultConfig, gateActivation, hardSigmoid, validateConfig } from "./config";

describe("defaultConfig", () => {
  it("fills the documented defaults", () => {
    expect(defaultConfig({ vocabSize: 65 })).toEqual({
      cell: "lstm",
      layers: 1,
      hidden: 128,
      vocabSize: 65,
      input: "embedding",
      embed: 64,
      dropout: 0,
      init: { kind: "pytorch" },
      forgetBias: 0,
    });
    expect(defaultConfig({ vocabSize: 5, hidden: 16 }).embed).toBe(16);
    expect(defaultConfig({ vocabSize: 5, input: "onehot", embed: 8 }).embed).toBeUndefined();
    // Training-only rates are left out at 0, so configs without them stay as they were.
    expect(defaultConfig({ vocabSize: 5, weightDrop: 0 })).not.toHaveProperty("weightDrop");
    expect(defaultConfig({ vocabSize: 5, weightDrop: 0.25 }).weightDrop).toBe(0.25);
  });
});

describe("validateConfig", () => {
  const good = defaultConfig({ vocabSize: 10 });
  const bad =
    (patch: Record<string, unknown>): (() => ModelConfig) =>
    () =>
      validateConfig({ ...good, ...patch } as ModelConfig);

  it("accepts a good config", () => expect(validateConfig(good)).toBe(good));

  it.each([
    [{ layers: 0 }, "layers must be an integer ≥ 1, got 0"],
    [{ hidden: 2.5 }, "hidden must be an integer ≥ 1, got 2.5"],
    [{ vocabSize: 0 }, "vocabSize must be an integer ≥ 1, got 0"],
    [{ embed: 0 }, "embed must be an integer ≥ 1, got 0"],
    [{ dropout: 1 }, "dropout must be in [0, 1), got 1"],
    [{ dropout: -0.1 }, "dropout must be in [0, 1), got -0.1"],
    [{ weightDrop: 1 }, "weightDrop must be in [0, 1), got 1"],
    [{ weightDrop: "0.2" }, 'weightDrop must be in [0, 1), got "0.2"'],
    [{ cell: "transformer" }, 'cell must be "rnn", "gru" or "lstm", got "transformer"'],
    [{ input: "bytes" }, 'input must be "embedding" or "onehot", got "bytes"'],
    [{ init: { kind: "xavier" } }, 'init.kind must be "uniform", "glorot" or "pytorch", got "xavier"'],
    [{ init: { kind: "uniform", scale: 0 } }, "init.scale must be a finite number > 0, got 0"],
    [{ forgetBias: Number.NaN }, "forgetBias must be a finite number, got NaN"],
    [{ head: null }, "head must be an object, got null"],
    [{ gateActivation: "relu" }, 'gateActivation must be "sigmoid" or "hardSigmoid", got "relu"'],
    [{ cell: "rnn", gateActivation: "hardSigmoid" }, 'gateActivation must be "sigmoid" for an rnn cell'],
    [{ head: { kind: "classifier", labels: [], pooling: "last" } }, "head.labels must be a non-empty array"],
  ])("rejects %j", (patch, message) => {
    expect(bad(patch)).toThrow(
      expect.objectContaining({ code: "OPTION_RANGE", message: expect.stringContaining(message) }),
    );
  });

  it("gateActivation: absent means sigmoid (older files); hardSigmoid is tfjs-layers' max(0, min(1, 0.2x + 0.5)) and not trainable", () => {
    expect(gateActivation(good)).toBe("sigmoid");
    const hard = validateConfig({ ...good, gateActivation: "hardSigmoid" });
    expect(gateActivation(hard)).toBe("hardSigmoid");
    expect([-3, -2.5, 0, 1, 2.5, 4].map(hardSigmoid)).toEqual([0, 0, 0.5, 0.7, 1, 1]);
    expect(() => checkTrainableGates(good)).not.toThrow();
    expect(() => checkTrainableGates(hard)).toThrow(
      expect.objectContaining({
        code: "ENGINE_UNSUPPORTED",
        message: expect.stringMatching(/hard-sigmoid gates/),
      }),
    );
    expect(defaultConfig({ vocabSize: 5, gateActivation: "sigmoid" })).not.toHaveProperty("gateActivation");
  });

  it("does not require embed with one-hot input", () => {
    expect(() => validateConfig({ ...good, input: "onehot", embed: undefined })).not.toThrow();
  });
});
