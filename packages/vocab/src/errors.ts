import { CharrnnError } from "@charrnn/core";

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
