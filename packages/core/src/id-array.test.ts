import { describe, expect, it } from "vitest";
import { idArrayFor, smallestIdArray } from "./id-array";

describe("smallestIdArray", () => {
  it("picks the smallest unsigned array that holds every id", () => {
    expect(smallestIdArray(1)).toBe(Uint8Array);
    expect(smallestIdArray(256)).toBe(Uint8Array);
    expect(smallestIdArray(257)).toBe(Uint16Array);
    expect(smallestIdArray(65536)).toBe(Uint16Array);
    expect(smallestIdArray(65537)).toBe(Uint32Array);
    const ids = idArrayFor(300, 4);
    expect(ids).toBeInstanceOf(Uint16Array);
    expect(ids.length).toBe(4);
    ids[0] = 299;
    expect(ids[0]).toBe(299);
  });
});
