/** `"é" (U+00E9)`: the character as JSON shows it (so control characters stay visible) and its code point. */
export function describeCodePoint(codePoint: number): string {
  const hex = codePoint.toString(16).toUpperCase().padStart(4, "0");
  return `${JSON.stringify(String.fromCodePoint(codePoint))} (U+${hex})`;
}

/**
 * Orders strings by Unicode code point. `<` on JS strings compares UTF-16 code units, which puts
 * astral characters (emoji) before U+E000–U+FFFF; code-point order is what other languages use, so
 * ids agree across tools.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}

/** True for a string that is exactly one code point (a surrogate pair counts as one). */
export function isSingleCodePoint(s: string): boolean {
  if (s.length === 1) return true;
  return s.length === 2 && s.codePointAt(0)! > 0xffff;
}

/**
 * The separators of a word vocab: everything JS's `\s` matches. Newline (U+000A) is handled apart
 * because it becomes `<eos>`.
 */
export function isWhitespace(code: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * Splits a text that arrives in UTF-16 chunks into code points. A high surrogate that ends a chunk
 * is held until the next one, so a character split across chunk boundaries is never cut in two;
 * a lone surrogate is passed on as its own code point.
 */
export class CodePointSplitter {
  #pendingHigh = -1;

  /** Calls `visit` with each complete code point of `chunk`, in order. */
  push(chunk: string, visit: (codePoint: number) => void): void {
    const len = chunk.length;
    let i = 0;
    if (this.#pendingHigh >= 0 && len > 0) {
      let cp = this.#pendingHigh;
      const low = chunk.charCodeAt(0);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
        i = 1;
      }
      this.#pendingHigh = -1;
      visit(cp);
    }
    for (; i < len; i++) {
      let cp = chunk.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff) {
        if (i + 1 === len) {
          this.#pendingHigh = cp;
          break;
        }
        const low = chunk.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          cp = ((cp - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
          i++;
        }
      }
      visit(cp);
    }
  }

  /** Passes on a high surrogate still held at the end of the text. */
  end(visit: (codePoint: number) => void): void {
    if (this.#pendingHigh < 0) return;
    const cp = this.#pendingHigh;
    this.#pendingHigh = -1;
    visit(cp);
  }
}
