import { isWhitespace } from "./code-point";

/** Longest piece in UTF-16 code units: bounds the merge work per piece on text without spaces. */
export const MAX_PIECE = 64;

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/**
 * Splits text into the pieces BPE merges never cross: one U+0020 space (optional) followed by a
 * run of non-whitespace, or any other single whitespace character (newline, tab, a space not
 * followed by a word). A run longer than {@link MAX_PIECE} code units is cut there (never inside a
 * surrogate pair). Pieces depend only on the text, never on where chunks end: a piece that may
 * continue in the next chunk is held, which is what makes BPE counting streamable.
 */
export class PieceSplitter {
  #held = "";

  push(chunk: string, visit: (piece: string) => void): void {
    this.#held = scan(this.#held + chunk, visit, false);
  }

  /** Emits the held piece (if any). */
  end(visit: (piece: string) => void): void {
    scan(this.#held, visit, true);
    this.#held = "";
  }
}

/** Emits the complete pieces of `s` and returns the unfinished tail (empty when `final`). */
function scan(s: string, visit: (piece: string) => void, final: boolean): string {
  const n = s.length;
  let start = 0;
  while (start < n) {
    const c = s.charCodeAt(start);
    let j = start;
    if (c === 0x20) {
      if (start + 1 === n && !final) break;
      if (start + 1 === n || isWhitespace(s.charCodeAt(start + 1))) {
        visit(" ");
        start++;
        continue;
      }
      j = start + 1;
    } else if (isWhitespace(c)) {
      visit(s[start]!);
      start++;
      continue;
    }
    let k = j;
    while (k < n && k - start < MAX_PIECE && !isWhitespace(s.charCodeAt(k))) k++;
    if (k === n && !final) break;
    if (k < n && isHigh(s.charCodeAt(k - 1)) && isLow(s.charCodeAt(k))) k--;
    visit(s.slice(start, k));
    start = k;
  }
  return s.slice(start);
}
