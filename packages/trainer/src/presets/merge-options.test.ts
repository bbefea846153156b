import { CharrnnRangeError } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { DEFAULT_TRAIN_SETTINGS } from "../loop/settings";
import { mergeTrainOptions, presetNames, resolvePreset } from "./merge-options";

describe("presets", () => {
  it("every preset resolves to valid settings", () => {
    expect(presetNames().sort()).toEqual(
      [
        "char-rnn",
        "min-char-rnn",
        "ptb-large",
        "ptb-medium",
        "ptb-small",
        "ptb-test",
        "quickstart",
        "tf-tutorial",
      ].sort(),
    );
    for (const name of presetNames()) expect(() => resolvePreset(name)).not.toThrow();
  });

  it("char-rnn matches karpathy's train.lua defaults", () => {
    const s = resolvePreset("char-rnn");
    expect(s).toMatchObject({
      cell: "lstm",
      layers: 2,
      hidden: 128,
      input: "onehot",
      seq: 50,
      batch: 50,
      lr: 2e-3,
    });
    expect(s.optimizer).toEqual({ kind: "rmsprop", decay: 0.95, epsilon: 1e-8 });
    expect(s.lrSchedule).toEqual({ kind: "decay", factor: 0.97, after: 10 });
    expect(s.clip).toBe(5);
    expect(s.embed).toBeUndefined();
  });

  it("PTB presets carry the Zaremba configs", () => {
    const large = resolvePreset("ptb-large");
    expect(large).toMatchObject({
      layers: 2,
      hidden: 1500,
      embed: 1500,
      seq: 35,
      batch: 20,
      clip: 10,
      epochs: 55,
    });
    expect(large.dropout).toBeCloseTo(0.65, 12);
    expect(large.init).toEqual({ kind: "uniform", scale: 0.04 });
    expect(large.lrSchedule).toEqual({ kind: "decay", factor: 1 / 1.15, after: 14 });
    expect(large).toMatchObject({ level: "word", vocabMaxSize: 10000, optimizer: { kind: "sgd" }, lr: 1 });
    const medium = resolvePreset("ptb-medium");
    expect(medium).toMatchObject({ hidden: 650, seq: 35, dropout: 0.5, epochs: 39, clip: 5 });
    expect(medium.lrSchedule).toEqual({ kind: "decay", factor: 0.8, after: 6 });
    const small = resolvePreset("ptb-small");
    expect(small).toMatchObject({ hidden: 200, seq: 20, dropout: 0, epochs: 13 });
    expect(small.lrSchedule).toEqual({ kind: "decay", factor: 0.5, after: 4 });
    expect(resolvePreset("ptb-test")).toMatchObject({ layers: 1, hidden: 2, seq: 2, clip: 1, epochs: 1 });
  });

  it("tf-tutorial and min-char-rnn", () => {
    expect(resolvePreset("tf-tutorial")).toMatchObject({
      cell: "gru",
      hidden: 1024,
      embed: 256,
      seq: 100,
      batch: 64,
    });
    expect(resolvePreset("min-char-rnn")).toMatchObject({
      cell: "rnn",
      hidden: 100,
      seq: 25,
      batch: 1,
      lr: 0.1,
    });
    expect(resolvePreset("min-char-rnn").optimizer.kind).toBe("adagrad");
  });

  it("an unknown preset lists the names", () => {
    expect(() => resolvePreset("gpt")).toThrow(CharrnnRangeError);
    expect(() => resolvePreset("gpt")).toThrow(
      /preset must be one of quickstart, char-rnn, .*ptb-test, got "gpt"/,
    );
  });
});

describe("mergeTrainOptions", () => {
  it("layers defaults ← preset ← config file ← flags", () => {
    const s = mergeTrainOptions("char-rnn", { hidden: 256, seq: 100 }, { seq: 20 });
    expect(s).toMatchObject({ hidden: 256, seq: 20, batch: 50, layers: 2 });
    expect(mergeTrainOptions().seed).toBe(DEFAULT_TRAIN_SETTINGS.seed);
  });

  it("merges nested objects of the same kind and replaces them on a new kind", () => {
    expect(
      mergeTrainOptions("char-rnn", undefined, { optimizer: { kind: "rmsprop", decay: 0.9 } }).optimizer,
    ).toEqual({
      kind: "rmsprop",
      decay: 0.9,
      epsilon: 1e-8,
    });
    expect(mergeTrainOptions("char-rnn", undefined, { optimizer: "adam" }).optimizer).toEqual({
      kind: "adam",
    });
    expect(mergeTrainOptions("ptb-small", { lrSchedule: "constant" }).lrSchedule).toEqual({
      kind: "constant",
    });
  });

  it("switching to embedding input keeps an embedding width", () => {
    expect(mergeTrainOptions("char-rnn", undefined, { input: "embedding", embed: 16 }).embed).toBe(16);
  });

  it("validates the merged settings", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ hidden: 0 }, /hidden must be an integer ≥ 1, got 0/],
      [{ batch: -2 }, /batch must be/],
      [{ seq: 1.5 }, /seq must be/],
      [{ dropout: 1 }, /dropout must be in \[0, 1\), got 1/],
      [{ lr: 0 }, /lr must be a finite number > 0, got 0/],
      [{ optimizer: "lion" }, /optimizer must be one of adam, sgd, rmsprop, adagrad, got "lion"/],
      [{ cell: "transformer" }, /cell must be one of "rnn", "gru", "lstm"/],
      [{ layout: "random" }, /layout must be one of "stream", "shuffle"/],
      [{ lrSchedule: { kind: "decay", factor: 2, after: 1 } }, /lrSchedule.factor/],
      [{ valFraction: 1 }, /valFraction must be in \[0, 1\)/],
      [{ earlyStopping: 2, valFraction: 0 }, /earlyStopping/],
    ];
    for (const [flags, message] of cases)
      expect(() => mergeTrainOptions(undefined, undefined, flags)).toThrow(message);
    expect(() => mergeTrainOptions(undefined, { hiden: 3 })).toThrow(/unknown training option "hiden"/);
  });
});
