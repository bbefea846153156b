/**
 * Base class of every error charrnn throws on purpose. `code` is stable and safe to branch on;
 * `message` is one line that names the input at fault and what to do about it.
 */
export class CharrnnError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CharrnnError";
    this.code = code;
  }
}

/** An option or argument outside its allowed range: `topP must be in (0, 1], got 1.5`. */
export class CharrnnRangeError extends CharrnnError {
  readonly option: string;

  constructor(option: string, allowed: string, value: unknown) {
    super("OPTION_RANGE", `${option} must be ${allowed}, got ${formatValue(value)}`);
    this.name = "CharrnnRangeError";
    this.option = option;
  }
}

export function isCharrnnError(error: unknown): error is CharrnnError {
  return error instanceof CharrnnError;
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}
