import { isWhitespace } from "./code-point";

/** Receives the words and newlines a {@link WordScanner} finds, with 1-based line/column positions. */
export interface WordSink {
  word(word: string, index: number, line: number, column: number): void;
  newline(index: number, line: number, column: number): void;
}

/**
 * Splits text into whitespace-separated words and newlines, chunk by chunk: a word cut by a chunk
 * boundary is held back until the next chunk, and positions count code points from the start of
 * the whole text, so a surrogate pair split across chunks is still one code point.
 */
export class WordScanner {
  readonly #sink: WordSink;
  #carry = "";
  #inWord = false;
  #afterHigh = false;
  #index = 0;
  #line = 1;
  #lineStart = 0;
  #wordIndex = 0;
  #wordLine = 1;
  #wordColumn = 1;

  constructor(sink: WordSink) {
    this.#sink = sink;
  }

  push(chunk: string): void {
    const n = chunk.length;
    let start = 0;
    let i = 0;
    // The low half of a surrogate pair whose high half ended the last chunk is not a new code point.
    if (this.#afterHigh && n > 0) {
      const c = chunk.charCodeAt(0);
      if (c >= 0xdc00 && c <= 0xdfff) i = 1;
    }
    if (n > 0) this.#afterHigh = false;
    for (; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10 || isWhitespace(c)) {
        if (this.#inWord) {
          this.#flush(chunk.slice(start, i));
        }
        if (c === 10) {
          this.#sink.newline(this.#index, this.#line, this.#index - this.#lineStart + 1);
          this.#line++;
          this.#lineStart = this.#index + 1;
        }
      } else {
        if (!this.#inWord) {
          this.#inWord = true;
          start = i;
          this.#wordIndex = this.#index;
          this.#wordLine = this.#line;
          this.#wordColumn = this.#index - this.#lineStart + 1;
        }
        if (c >= 0xd800 && c <= 0xdbff) {
          if (i + 1 === n) this.#afterHigh = true;
          else {
            const d = chunk.charCodeAt(i + 1);
            if (d >= 0xdc00 && d <= 0xdfff) i++;
          }
        }
      }
      this.#index++;
    }
    if (this.#inWord) this.#carry += chunk.slice(start);
  }

  end(): void {
    if (this.#inWord) this.#flush("");
    this.#afterHigh = false;
  }

  #flush(tail: string): void {
    const word = this.#carry + tail;
    this.#carry = "";
    this.#inWord = false;
    this.#sink.word(word, this.#wordIndex, this.#wordLine, this.#wordColumn);
  }
}
