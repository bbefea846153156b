import type { GenerateOptions } from "@charrnn/sampler";

/** The generation settings the page's form holds, validated. */
export interface DemoSettings {
  prime: string;
  /** 0 means greedy (always the most likely character). */
  temperature: number;
  /** Unset: no top-k limit. */
  topK: number | undefined;
  topP: number;
  length: number;
  seed: number;
}

/** The raw text of the form's fields, as `<input>.value` gives it. */
export type SettingsForm = Record<keyof DemoSettings, string>;

/** A field the form must fix, with a one-line message for the user. */
export interface FieldError {
  field: keyof DemoSettings;
  message: string;
}

export type ParsedSettings = { ok: true; settings: DemoSettings } | { ok: false; errors: FieldError[] };

/** Longest text the page generates at once; the plain-TS engine stays responsive well past it. */
export const MAX_LENGTH = 5000;
/** Seeds are 32-bit unsigned integers (`createRng`). */
export const MAX_SEED = 0xffffffff;

/** The settings the page starts with. */
export const DEFAULT_FORM: SettingsForm = {
  prime: "ROMEO:",
  temperature: "0.8",
  topK: "",
  topP: "1",
  length: "400",
  seed: "1",
};

/**
 * Validates the form: each field is checked on its own and every problem is reported, so the page can
 * mark all offending fields at once. Prime characters are checked against the vocabulary separately
 * ({@link findUnknownCharacter}) because they depend on the model loaded.
 */
export function parseSettings(form: SettingsForm): ParsedSettings {
  const errors: FieldError[] = [];
  const num = (field: keyof DemoSettings, check: (v: number) => boolean, allowed: string): number => {
    const text = form[field].trim();
    const value = text === "" ? Number.NaN : Number(text);
    if (!check(value)) errors.push({ field, message: `${label(field)} must be ${allowed}, got "${text}"` });
    return value;
  };
  const temperature = num("temperature", (v) => Number.isFinite(v) && v >= 0, "a number ≥ 0 (0 = greedy)");
  const topK =
    form.topK.trim() === ""
      ? undefined
      : num("topK", (v) => Number.isInteger(v) && v >= 1, "a whole number ≥ 1, or empty for no limit");
  const topP = num("topP", (v) => v > 0 && v <= 1, "in (0, 1]");
  const length = num("length", (v) => Number.isInteger(v) && v >= 1 && v <= MAX_LENGTH, `1 … ${MAX_LENGTH}`);
  const seed = num("seed", (v) => Number.isInteger(v) && v >= 0 && v <= MAX_SEED, `0 … ${MAX_SEED}`);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, settings: { prime: form.prime, temperature, topK, topP, length, seed } };
}

/** The sampler options for these settings (temperature 0 → greedy). */
export function toGenerateOptions(settings: DemoSettings): GenerateOptions {
  const options: GenerateOptions = { prime: settings.prime, length: settings.length, seed: settings.seed };
  if (settings.temperature === 0) return { ...options, greedy: true };
  options.temperature = settings.temperature;
  if (settings.topK !== undefined) options.topK = settings.topK;
  if (settings.topP !== 1) options.topP = settings.topP;
  return options;
}

/** The `charrnn sample` command that prints the same text as the page for these settings. */
export function cliCommand(settings: DemoSettings, model = "model.safetensors"): string {
  const args = ["charrnn", "sample", "--model", model];
  if (settings.prime !== "") args.push("--prime", settings.prime);
  args.push("--length", String(settings.length), "--seed", String(settings.seed));
  if (settings.temperature === 0) args.push("--greedy");
  else {
    args.push("--temperature", String(settings.temperature));
    if (settings.topK !== undefined) args.push("--top-k", String(settings.topK));
    if (settings.topP !== 1) args.push("--top-p", String(settings.topP));
  }
  return args.map(shellQuote).join(" ");
}

/** The first character of `prime` that `isKnown` rejects, or undefined. Iterates code points. */
export function findUnknownCharacter(prime: string, isKnown: (ch: string) => boolean): string | undefined {
  for (const ch of prime) if (!isKnown(ch)) return ch;
  return undefined;
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

function label(field: keyof DemoSettings): string {
  return {
    prime: "Prime",
    temperature: "Temperature",
    topK: "Top-k",
    topP: "Top-p",
    length: "Length",
    seed: "Seed",
  }[field];
}
