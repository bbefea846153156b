/**
 * The byte layer of a BPE vocab. Text is encoded as WTF-8: UTF-8, except that a lone surrogate
 * (which a JS string can hold and a char vocab keeps) is written as its 3-byte form instead of being
 * replaced, so decode(encode(x)) === x for every JS string.
 */

/** WTF-8 bytes of `text` (a surrogate pair as one 4-byte sequence, a lone surrogate as 3 bytes). */
export function encodeWtf8(text: string): number[] {
  const out: number[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
        i++;
      }
    }
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else {
      out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    }
  }
  return out;
}

const REPLACEMENT = 0xfffd;

/**
 * Decodes bytes that arrive in pieces (a sampled token may end in the middle of a character): an
 * incomplete sequence at the end of a push is held until the next one completes it, and only `end`
 * turns a still-incomplete tail into U+FFFD. Invalid bytes become U+FFFD as the WHATWG decoder does
 * (one per maximal invalid subpart), except that 3-byte surrogates are accepted (WTF-8).
 */
export class Wtf8Decoder {
  #needed = 0;
  #seen = 0;
  #cp = 0;
  #lower = 0x80;
  #upper = 0xbf;

  /** The text completed by `bytes`. */
  push(bytes: ArrayLike<number>): string {
    const units: number[] = [];
    for (let i = 0; i < bytes.length; i++) this.#byte(bytes[i]!, units);
    return unitsToString(units);
  }

  /** Flushes a held incomplete sequence as U+FFFD (or "" when none) and resets. */
  end(): string {
    if (this.#needed === 0) return "";
    this.#reset();
    return String.fromCharCode(REPLACEMENT);
  }

  #reset(): void {
    this.#needed = 0;
    this.#seen = 0;
    this.#cp = 0;
    this.#lower = 0x80;
    this.#upper = 0xbf;
  }

  #byte(b: number, out: number[]): void {
    if (this.#needed === 0) {
      if (b < 0x80) out.push(b);
      else if (b >= 0xc2 && b <= 0xdf) {
        this.#needed = 1;
        this.#cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) this.#lower = 0xa0;
        this.#needed = 2;
        this.#cp = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) this.#lower = 0x90;
        if (b === 0xf4) this.#upper = 0x8f;
        this.#needed = 3;
        this.#cp = b & 0x07;
      } else out.push(REPLACEMENT);
      return;
    }
    if (b < this.#lower || b > this.#upper) {
      this.#reset();
      out.push(REPLACEMENT);
      this.#byte(b, out);
      return;
    }
    this.#lower = 0x80;
    this.#upper = 0xbf;
    this.#cp = (this.#cp << 6) | (b & 0x3f);
    if (++this.#seen < this.#needed) return;
    const cp = this.#cp;
    this.#reset();
    if (cp < 0x10000) out.push(cp);
    else out.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
  }
}

function unitsToString(units: number[]): string {
  let s = "";
  for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode(...units.slice(i, i + 8192));
  return s;
}

/**
 * The printable stand-in of each byte in a BPE token's text form (GPT-2's table): printable Latin-1
 * bytes stand for themselves, the others (controls, space, 0x7F–0xA0, 0xAD) for U+0100 onwards, so
 * a token's text is readable ("Ġthe" is " the") and distinct tokens have distinct texts.
 */
export const BYTE_CHARS: readonly string[] = (() => {
  const chars: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars[b] = String.fromCharCode(printable ? b : next++);
  }
  return Object.freeze(chars);
})();
