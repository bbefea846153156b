import { CharrnnRangeError } from "@charrnn/core";
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings, validateTrainSettings } from "../loop/settings";
import { PRESETS, type TrainPreset } from "./presets";

/** Names of the built-in presets. */
export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/**
 * The complete, validated settings of a built-in preset (defaults filled in).
 * Unknown name → `CharrnnRangeError` listing the names.
 */
export function resolvePreset(name: string): TrainSettings {
  return mergeTrainOptions(name);
}

/**
 * Settings as layers, later ones winning: defaults ← preset ← config file ← flags. Nested objects
 * (`optimizer`, `lrSchedule`, `init`) merge field by field when the kind stays the same and are
 * replaced when it changes; one without a `kind` (e.g. `{ minLr: 0.001 }` from a flag) tunes the
 * kind below it; `optimizer: "adam"` and `lrSchedule: "constant"` are shorthands for `{ kind }`. The result is validated (ranges, names, unknown keys).
 */
export function mergeTrainOptions(
  preset?: string | TrainPreset,
  configFile?: Record<string, unknown>,
  flags?: Record<string, unknown>,
): TrainSettings {
  let base: TrainPreset | undefined;
  if (typeof preset === "string") {
    base = PRESETS[preset];
    if (base === undefined)
      throw new CharrnnRangeError("preset", `one of ${presetNames().join(", ")}`, preset);
  } else {
    base = preset;
  }
  let merged: Record<string, unknown> = structuredClone(DEFAULT_TRAIN_SETTINGS) as unknown as Record<
    string,
    unknown
  >;
  for (const layer of [base, configFile, flags]) {
    if (layer !== undefined) merged = mergeLayer(merged, layer as Record<string, unknown>);
  }
  // One-hot input has no embedding width; drop an inherited one rather than reject it.
  if (merged.input === "onehot") delete merged.embed;
  return validateTrainSettings(merged as unknown as TrainSettings);
}

const NESTED = new Set(["optimizer", "lrSchedule", "init"]);

function mergeLayer(base: Record<string, unknown>, layer: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, raw] of Object.entries(layer)) {
    if (raw === undefined) continue;
    const value = NESTED.has(key) && typeof raw === "string" ? { kind: raw } : raw;
    const previous = out[key] as { kind?: unknown } | undefined;
    const sameKind = isObject(value) && (value.kind === undefined || value.kind === previous?.kind);
    if (NESTED.has(key) && isObject(value) && isObject(previous) && sameKind) {
      out[key] = { ...previous, ...value };
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
