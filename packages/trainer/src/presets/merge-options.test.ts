import { CharrnnRangeError } from "@charrnn/core";
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
        "shakespeare",
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
    // ptb_word_lm.py's Small/Medium/Large/TestConfig. Its loss sums over the num_steps time steps and
    // ours averages, so lr 1 becomes num_steps and max_grad_norm becomes max_grad_norm / num_steps.
    const reference = {
      "ptb-small": {
        init: 0.1,
        norm: 5,
        layers: 2,
        steps: 20,
        hidden: 200,
        maxEpoch: 4,
        epochs: 13,
        keep: 1,
        decay: 0.5,
      },
      "ptb-medium": {
        init: 0.05,
        norm: 5,
        layers: 2,
        steps: 35,
        hidden: 650,
        maxEpoch: 6,
        epochs: 39,
        keep: 0.5,
        decay: 0.8,
      },
      "ptb-large": {
        init: 0.04,
        norm: 10,
        layers: 2,
        steps: 35,
        hidden: 1500,
        maxEpoch: 14,
        epochs: 55,
        keep: 0.35,
        decay: 1 / 1.15,
      },
      "ptb-test": {
        init: 0.1,
        norm: 1,
        layers: 1,
        steps: 2,
        hidden: 2,
        maxEpoch: 1,
        epochs: 1,
        keep: 1,
        decay: 0.5,
      },
    };
    for (const [name, r] of Object.entries(reference)) {
      const s = resolvePreset(name);
      expect(s, name).toMatchObject({
        cell: "lstm",
        level: "word",
        vocabMaxSize: 10000,
        layout: "stream",
        batch: 20,
        layers: r.layers,
        hidden: r.hidden,
        embed: r.hidden,
        seq: r.steps,
        epochs: r.epochs,
        forgetBias: 0,
        optimizer: { kind: "sgd" },
        init: { kind: "uniform", scale: r.init },
        lrSchedule: { kind: "decay", factor: r.decay, after: r.maxEpoch },
      });
      expect(s.lr).toBe(r.steps);
      expect(s.clip * r.steps).toBeCloseTo(r.norm, 12);
      expect(s.dropout).toBeCloseTo(1 - r.keep, 12);
      // ptb_word_lm.py also drops out the embedded inputs with the same keep_prob.
      expect(s.inputDropout).toBeCloseTo(1 - r.keep, 12);
    }
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
      /preset must be one of quickstart, shakespeare, char-rnn, .*ptb-test, got "gpt"/,
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
      [{ cell: "transformer" }, /cell must be "rnn", "gru" or "lstm", got "transformer"/],
      [{ layout: "random" }, /layout must be one of "stream", "shifted", "shuffle"/],
      [{ lrSchedule: { kind: "decay", factor: 2, after: 1 } }, /lrSchedule.factor/],
      [{ valFraction: 1 }, /valFraction must be in \[0, 1\)/],
      [{ earlyStopping: 2, valFraction: 0 }, /earlyStopping/],
    ];
    for (const [flags, message] of cases)
      expect(() => mergeTrainOptions(undefined, undefined, flags)).toThrow(message);
    expect(() => mergeTrainOptions(undefined, { hiden: 3 })).toThrow(/unknown training option "hiden"/);
  });
});
