import { describe, expect, it } from "vitest";
import { splitCorpus } from "./split-corpus";

function range(n: number): Uint16Array {
  return Uint16Array.from({ length: n }, (_, i) => i);
}

describe("splitCorpus", () => {
  it("takes the last 10% for validation by default, as the tiny-Shakespeare protocol does", () => {
    const ids = range(1_115_394 % 60_000); // 35394 tokens
    const { train, val, test } = splitCorpus(ids);
    expect(train.length).toBe(Math.trunc(0.9 * 35394)); // Python: int(0.9 * len(data)) = 31854
    expect(train.length).toBe(31854);
    expect(val.length).toBe(35394 - 31854);
    expect(test.length).toBe(0);
    expect(train[0]).toBe(0);
    expect(val[0]).toBe(31854);
    expect(val[val.length - 1]).toBe(35393);
  });

  it("is contiguous train, val, test with exact sizes, as views of the same buffer", () => {
    const ids = range(1000);
    const { train, val, test } = splitCorpus(ids, { val: 0.15, test: 0.05 });
    expect([train.length, val.length, test.length]).toEqual([800, 150, 50]);
    expect([train[799], val[0], val[149], test[0], test[49]]).toEqual([799, 800, 949, 950, 999]);
    expect(train.buffer).toBe(ids.buffer);
    expect(val.buffer).toBe(ids.buffer);
    ids[900] = 7;
    expect(val[100]).toBe(7);
    expect(train).toBeInstanceOf(Uint16Array);
  });

  it("validates fractions", () => {
    const ids = range(10);
    expect(() => splitCorpus(ids, { val: 1 })).toThrow("val must be in [0, 1), got 1");
    expect(() => splitCorpus(ids, { val: -0.1 })).toThrow(/val must be in \[0, 1\)/);
    expect(() => splitCorpus(ids, { val: 0.6, test: 0.5 })).toThrow(/val \+ test must be less than 1/);
    expect(splitCorpus(ids, { val: 0 }).train.length).toBe(10);
  });
});
