/**
 * Base class of every error charrnn throws on purpose. `code` is stable and safe to branch on;
 * `message` is one line that names the input at fault and what to do about it.
 */
export class CharrnnError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
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

/**
 * A token that is not in the vocabulary under OOV policy `"error"`. Besides the message it carries
 * where the token sits, so tools can point at it: `index` counts code points from the start of the
 * text, `line` and `column` are 1-based (column in code points).
 */
export class VocabOovError extends CharrnnError {
  readonly token: string;
  readonly index: number;
  readonly line: number;
  readonly column: number;

  constructor(token: string, index: number, line: number, column: number, what: string) {
    super(
      "VOCAB_OOV",
      `${what} at code point ${index} (line ${line}, column ${column}) is not in the vocabulary; ` +
        `rebuild the vocab from this text, or encode with oov "unk" or "skip"`,
    );
    this.name = "VocabOovError";
    this.token = token;
    this.index = index;
    this.line = line;
    this.column = column;
  }
}
