import { describe, expect, it } from "vitest";
import { splitCorpus, splitCorpusChunks } from "./split-corpus";

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

describe("splitCorpusChunks (char-rnn's split)", () => {
  it("holds out the end of each equal chunk, as char-rnn's view(batch, -1) rows do", () => {
    // 1000 tokens in 4 chunks of 250: tokens 225–249, 475–499, … are validation.
    const { train, val } = splitCorpusChunks(range(1000), { val: 0.1, chunks: 4 });
    expect([train.length, val.length]).toEqual([900, 100]);
    expect(Array.from(val.subarray(0, 3))).toEqual([225, 226, 227]);
    expect([val[24], val[25], val[99]]).toEqual([249, 475, 999]);
    expect([train[224], train[225], train[899]]).toEqual([224, 250, 974]);
    expect(train).toBeInstanceOf(Uint16Array);
    // Every token lands in exactly one part.
    const all = [...train, ...val].sort((a, b) => a - b);
    expect(all).toEqual(Array.from(range(1000)));
  });

  it("gives the remainder to the last chunk and one chunk is the end split", () => {
    const { train, val } = splitCorpusChunks(range(1003), { val: 0.1, chunks: 4 });
    expect(train.length + val.length).toBe(1003);
    expect(val.at(-1)).toBe(1002);
    // The last chunk is tokens 750–1002 (253 tokens): floor(253 × 0.9) = 227 train.
    expect(val.subarray(75)[0]).toBe(750 + 227);
    const one = splitCorpusChunks(range(1000), { val: 0.1, chunks: 1 });
    const end = splitCorpus(range(1000), { val: 0.1 });
    expect(Array.from(one.val)).toEqual(Array.from(end.val));
    expect(Array.from(one.train)).toEqual(Array.from(end.train));
  });

  it("refuses a chunk count the corpus cannot fill", () => {
    expect(() => splitCorpusChunks(range(10), { chunks: 6 })).toThrow(
      /chunks must be at most 5 for a corpus of 10 tokens/,
    );
    expect(() => splitCorpusChunks(range(10), { chunks: 0 })).toThrow(/chunks must be an integer >= 1/);
    expect(() => splitCorpusChunks(range(10), { val: 1 })).toThrow(/val must be in \[0, 1\)/);
  });
});
