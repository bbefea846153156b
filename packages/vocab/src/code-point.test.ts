import { describe, expect, it } from "vitest";
import { compareCodePoints, describeCodePoint } from "./code-point";

describe("code points", () => {
  it("compares by code point and describes characters", () => {
    expect(compareCodePoints("\uFF01", "😀")).toBeLessThan(0);
    expect(compareCodePoints("ab", "a")).toBeGreaterThan(0);
    expect(compareCodePoints("a😀", "a😀")).toBe(0);
    expect(describeCodePoint(0x1f600)).toBe('"😀" (U+1F600)');
    expect(describeCodePoint(10)).toBe('"\\n" (U+000A)');
  });
});
