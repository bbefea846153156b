import { describe, expect, it } from "vitest";
import { findInvalidUtf8, incompleteTailLength } from "./utf8";

function decodes(bytes: number[]): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
    return true;
  } catch {
    return false;
  }
}

describe("findInvalidUtf8", () => {
  it("agrees with a fatal TextDecoder on valid and invalid sequences", () => {
    const cases: [number[], number][] = [
      [[0x61, 0xc3, 0xa9], -1], // é
      [[0xf0, 0x9f, 0x98, 0x80], -1], // 😀
      [[0x61, 0xc0, 0x80], 1], // overlong NUL
      [[0xe0, 0x80, 0x80], 0], // overlong
      [[0xed, 0xa0, 0x80], 0], // surrogate U+D800
      [[0xf4, 0x90, 0x80, 0x80], 0], // past U+10FFFF
      [[0x61, 0x62, 0xff], 2],
      [[0x80], 0], // stray continuation
      [[0x61, 0xe9, 0x63], 1],
    ];
    for (const [bytes, at] of cases) {
      expect(findInvalidUtf8(Uint8Array.from(bytes))).toBe(at);
      expect(decodes(bytes)).toBe(at < 0);
    }
  });

  it("does not flag a sequence cut off at the end, and measures it", () => {
    expect(findInvalidUtf8(Uint8Array.from([0x61, 0xf0, 0x9f]))).toBe(-1);
    expect(incompleteTailLength(Uint8Array.from([0x61, 0xf0, 0x9f]))).toBe(2);
    expect(incompleteTailLength(Uint8Array.from([0x61, 0xf0, 0x9f, 0x98, 0x80]))).toBe(0);
    expect(incompleteTailLength(Uint8Array.from([0xc3]))).toBe(1);
    expect(incompleteTailLength(Uint8Array.from([0x61]))).toBe(0);
  });
});
