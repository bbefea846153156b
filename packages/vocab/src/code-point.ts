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
