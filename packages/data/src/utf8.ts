/**
 * Offset of the first byte that starts an invalid UTF-8 sequence (the same rules as a fatal
 * TextDecoder: no overlongs, surrogates or code points past U+10FFFF), or -1. A sequence cut off by
 * the end of `bytes` is not invalid: the next chunk may complete it.
 */
export function findInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const c = bytes[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c === 0xe0) {
      need = 2;
      lo = 0xa0;
    } else if (c === 0xed) {
      need = 2;
      hi = 0x9f;
    } else if (c >= 0xe1 && c <= 0xef) need = 2;
    else if (c === 0xf0) {
      need = 3;
      lo = 0x90;
    } else if (c === 0xf4) {
      need = 3;
      hi = 0x8f;
    } else if (c >= 0xf1 && c <= 0xf3) need = 3;
    else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return -1;
      const d = bytes[i + k]!;
      if (d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** How many bytes at the end of `bytes` are an unfinished multi-byte sequence (0 to 3). */
export function incompleteTailLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let k = 1; k <= Math.min(3, n); k++) {
    const c = bytes[n - k]!;
    if ((c & 0xc0) === 0x80) continue;
    if (c < 0xc0) return 0;
    const length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    return length > k ? k : 0;
  }
  return 0;
}
