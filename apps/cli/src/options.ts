import { CharrnnError } from "@charrnn/core";

/** A command-line usage error: names the flag, exits with status 2. */
export class UsageError extends CharrnnError {
  constructor(message: string) {
    super("CLI_USAGE", message);
    this.name = "UsageError";
  }
}

interface NumberRule {
  min?: number;
  max?: number;
  /** Whether `min` itself is allowed. @defaultValue true */
  minInclusive?: boolean;
  maxInclusive?: boolean;
}

/** Parses a flag's value as a number within a range, or throws a UsageError naming the flag. */
export function parseNumberFlag(flag: string, raw: string, rule: NumberRule = {}): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) {
    throw new UsageError(`${flag} must be a number, got ${JSON.stringify(raw)}`);
  }
  checkRange(flag, value, rule);
  return value;
}

/** Parses a flag's value as an integer within a range. */
export function parseIntFlag(flag: string, raw: string, rule: NumberRule = {}): number {
  const value = parseNumberFlag(flag, raw, rule);
  if (!Number.isInteger(value)) throw new UsageError(`${flag} must be an integer, got ${raw}`);
  // Past 2^53 integers are no longer exact (1e30 would silently become another seed or count).
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(`${flag} must be an integer between −2^53 and 2^53, got ${raw}`);
  }
  return value;
}

/** Checks a flag's value against one of the allowed names. */
export function parseChoiceFlag<T extends string>(flag: string, raw: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new UsageError(`${flag} must be one of ${choices.join(", ")}, got ${JSON.stringify(raw)}`);
}

function checkRange(flag: string, value: number, rule: NumberRule): void {
  const { min, max, minInclusive = true, maxInclusive = true } = rule;
  const lowOk = min === undefined || (minInclusive ? value >= min : value > min);
  const highOk = max === undefined || (maxInclusive ? value <= max : value < max);
  if (lowOk && highOk) return;
  const low = min === undefined ? "" : `${minInclusive ? "≥" : ">"} ${min}`;
  const high = max === undefined ? "" : `${maxInclusive ? "≤" : "<"} ${max}`;
  throw new UsageError(`${flag} must be ${[low, high].filter(Boolean).join(" and ")}, got ${value}`);
}
