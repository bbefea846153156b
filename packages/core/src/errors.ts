import type { CharrnnErrorCode } from "./error-codes";

/**
 * Base class of every error charrnn throws on purpose. `code` is stable and safe to branch on;
 * `message` is one line that names the input at fault and what to do about it.
 */
export class CharrnnError extends Error {
  readonly code: CharrnnErrorCode;

  constructor(code: CharrnnErrorCode, message: string, options?: { cause?: unknown }) {
    super(oneLine(message), options);
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

/**
 * Messages quote user input (a parser's complaint about a damaged header, a file name), which can
 * hold line breaks or control characters; shown escaped, the message stays the promised one line.
 */
function oneLine(message: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we escape
  return message.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, escapeControl);
}

const SHORT_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeControl(c: string): string {
  return SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}
