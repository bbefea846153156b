import { describe, expect, it } from "vitest";
import {
  MID_COLOUR,
  mix,
  probabilityColour,
  SURE_COLOUR,
  SURPRISED_COLOUR,
  surpriseBits,
} from "./colour-scale";

// WCAG 2 relative luminance and contrast ratio, written out independently of the scale.
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

describe("surpriseBits", () => {
  it("is −log2 p", () => {
    expect(surpriseBits(1)).toBe(0);
    expect(surpriseBits(0.25)).toBe(2);
    expect(surpriseBits(0)).toBe(Number.POSITIVE_INFINITY);
  });
  it("rejects values outside [0, 1]", () => {
    expect(() => surpriseBits(1.5)).toThrow(/probability must be in \[0, 1\], got 1.5/);
    expect(() => surpriseBits(Number.NaN)).toThrow(RangeError);
  });
});

describe("probabilityColour", () => {
  it("runs green → yellow → red with surprise, saturating at 8 bits", () => {
    expect(probabilityColour(1)).toBe(SURE_COLOUR);
    expect(probabilityColour(1 / 16)).toBe(MID_COLOUR); // 4 bits: the middle
    expect(probabilityColour(1 / 256)).toBe(SURPRISED_COLOUR);
    expect(probabilityColour(1e-9)).toBe(SURPRISED_COLOUR);
    expect(probabilityColour(0)).toBe(SURPRISED_COLOUR);
    // 2 bits = a quarter of the way: halfway between green and yellow
    expect(probabilityColour(0.25)).toBe(mix(SURE_COLOUR, MID_COLOUR, 0.5));
  });

  it("keeps dark text readable on every colour (contrast ≥ 7:1 against #1a1a1a)", () => {
    for (let bits = 0; bits <= 9; bits += 0.25) {
      expect(contrast(probabilityColour(2 ** -bits), "#1a1a1a")).toBeGreaterThanOrEqual(7);
    }
  });
});

describe("mix", () => {
  it("interpolates each channel and rounds", () => {
    expect(mix("#000000", "#ffffff", 0.5)).toBe("#808080");
    expect(mix("#102030", "#302010", 0)).toBe("#102030");
    expect(mix("#102030", "#302010", 1)).toBe("#302010");
    expect(mix("#000a00", "#00ff00", 0.25)).toBe("#004700");
  });
});
