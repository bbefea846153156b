import { describe, expect, it } from "vitest";
import { DEFAULT_BROWSER_SETTINGS } from "./browser-trainer";
import { DEFAULT_TRAIN_FORM, parseTrainSettings, type TrainForm } from "./train-options";

const form = (changes: Partial<TrainForm>): TrainForm => ({ ...DEFAULT_TRAIN_FORM, ...changes });

describe("parseTrainSettings", () => {
  it("reads the default form as the default settings, one layer", () => {
    expect(parseTrainSettings(DEFAULT_TRAIN_FORM)).toEqual({ ok: true, settings: DEFAULT_BROWSER_SETTINGS });
    const parsed = parseTrainSettings(
      form({ cell: "lstm", hidden: " 64 ", seq: "8", batch: "4", lr: "0.01", seed: "0" }),
    );
    expect(parsed).toEqual({
      ok: true,
      settings: { cell: "lstm", hidden: 64, layers: 1, seq: 8, batch: 4, lr: 0.01, seed: 0 },
    });
  });

  it("reports every bad field with its allowed range", () => {
    const parsed = parseTrainSettings(
      form({ cell: "transformer", hidden: "1000", seq: "3.5", batch: "", lr: "0", seed: "-1" }),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.field)).toEqual(["cell", "hidden", "seq", "batch", "lr", "seed"]);
    expect(parsed.errors[0]!.message).toBe('Cell must be one of rnn, gru, lstm, got "transformer"');
    expect(parsed.errors[1]!.message).toBe('Hidden size must be a whole number in 8 … 256, got "1000"');
    expect(parsed.errors[4]!.message).toBe('Learning rate must be a number in (0, 1], got "0"');
  });

  it("accepts the bounds and refuses just past them", () => {
    expect(parseTrainSettings(form({ hidden: "8", seq: "128", batch: "64", lr: "1" })).ok).toBe(true);
    for (const bad of [{ hidden: "7" }, { seq: "129" }, { batch: "0" }, { lr: "1.5" }, { lr: "abc" }]) {
      expect(parseTrainSettings(form(bad)).ok, JSON.stringify(bad)).toBe(false);
    }
  });
});
