import { describe, expect, it } from "vitest";
import {
  cliCommand,
  DEFAULT_FORM,
  type DemoSettings,
  findUnknownCharacter,
  parseSettings,
  type SettingsForm,
  toGenerateOptions,
} from "./options";

const form = (overrides: Partial<SettingsForm>): SettingsForm => ({ ...DEFAULT_FORM, ...overrides });
const settings = (overrides: Partial<DemoSettings>): DemoSettings => ({
  prime: "A",
  temperature: 1,
  topK: undefined,
  topP: 1,
  length: 10,
  seed: 0,
  ...overrides,
});

describe("parseSettings", () => {
  it("parses the default form", () => {
    expect(parseSettings(DEFAULT_FORM)).toEqual({
      ok: true,
      settings: { prime: "ROMEO:", temperature: 0.8, topK: undefined, topP: 1, length: 400, seed: 1 },
    });
  });

  it("keeps the prime verbatim and trims numbers", () => {
    const r = parseSettings(form({ prime: "  To be\n", topK: " 5 ", seed: "4294967295" }));
    expect(r).toMatchObject({ ok: true, settings: { prime: "  To be\n", topK: 5, seed: 4294967295 } });
  });

  it.each([
    ["temperature", "-0.1", 'Temperature must be a number ≥ 0 (0 = greedy), got "-0.1"'],
    ["temperature", "", 'Temperature must be a number ≥ 0 (0 = greedy), got ""'],
    ["topK", "0", 'Top-k must be a whole number ≥ 1, or empty for no limit, got "0"'],
    ["topK", "2.5", 'Top-k must be a whole number ≥ 1, or empty for no limit, got "2.5"'],
    ["topP", "0", 'Top-p must be in (0, 1], got "0"'],
    ["topP", "1.5", 'Top-p must be in (0, 1], got "1.5"'],
    ["length", "0", 'Length must be 1 … 5000, got "0"'],
    ["length", "5001", 'Length must be 1 … 5000, got "5001"'],
    ["seed", "-1", 'Seed must be 0 … 4294967295, got "-1"'],
    ["seed", "4294967296", 'Seed must be 0 … 4294967295, got "4294967296"'],
    ["seed", "abc", 'Seed must be 0 … 4294967295, got "abc"'],
  ] as const)("rejects %s = %j", (field, value, message) => {
    expect(parseSettings(form({ [field]: value }))).toEqual({ ok: false, errors: [{ field, message }] });
  });

  it("reports every bad field at once", () => {
    const r = parseSettings(form({ temperature: "x", length: "-3", seed: "1.5" }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.field)).toEqual(["temperature", "length", "seed"]);
  });
});

describe("toGenerateOptions", () => {
  it("maps temperature 0 to greedy and drops the sampling knobs", () => {
    expect(toGenerateOptions(settings({ temperature: 0, topK: 3, topP: 0.5 }))).toEqual({
      prime: "A",
      length: 10,
      seed: 0,
      greedy: true,
    });
  });
  it("passes top-k and top-p only when set", () => {
    expect(toGenerateOptions(settings({ temperature: 0.7 }))).toEqual({
      prime: "A",
      length: 10,
      seed: 0,
      temperature: 0.7,
    });
    expect(toGenerateOptions(settings({ topK: 5, topP: 0.9 }))).toMatchObject({ topK: 5, topP: 0.9 });
  });
});

describe("cliCommand", () => {
  it("writes the equivalent charrnn sample command, shell-quoted", () => {
    expect(cliCommand(settings({ prime: "ROMEO:", temperature: 0.8, topK: 5, seed: 7, length: 300 }))).toBe(
      "charrnn sample --model model.safetensors --prime ROMEO: --length 300 --seed 7 --temperature 0.8 --top-k 5",
    );
    expect(cliCommand(settings({ prime: "It's me", temperature: 0 }), "m.onnx")).toBe(
      "charrnn sample --model m.onnx --prime 'It'\\''s me' --length 10 --seed 0 --greedy",
    );
  });
});

describe("findUnknownCharacter", () => {
  it("returns the first character outside the vocabulary, by code point", () => {
    const known = new Set(["a", "b", "😀"]);
    expect(findUnknownCharacter("ab😀a", (c) => known.has(c))).toBeUndefined();
    expect(findUnknownCharacter("ab😀éa", (c) => known.has(c))).toBe("é");
  });
});
