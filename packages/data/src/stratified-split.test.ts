import { describe, expect, it } from "vitest";
import { stratifiedSplit } from "./stratified-split";

describe("stratifiedSplit", () => {
  // 100 of label 0, 30 of label 1, 10 of label 2, interleaved
  const examples = [
    ...Array.from({ length: 100 }, (_, i) => ({ id: i, label: 0 })),
    ...Array.from({ length: 30 }, (_, i) => ({ id: 100 + i, label: 1 })),
    ...Array.from({ length: 10 }, (_, i) => ({ id: 130 + i, label: 2 })),
  ].sort((a, b) => ((a.id * 37) % 140) - ((b.id * 37) % 140));

  it("keeps each label's share in validation", () => {
    const { train, val } = stratifiedSplit(examples, { val: 0.2, seed: 3 });
    const count = (list: { label: number }[], label: number) => list.filter((e) => e.label === label).length;
    expect([count(val, 0), count(val, 1), count(val, 2)]).toEqual([20, 6, 2]);
    expect([count(train, 0), count(train, 1), count(train, 2)]).toEqual([80, 24, 8]);
    const ids = new Set([...train, ...val].map((e) => e.id));
    expect(ids.size).toBe(140);
  });

  it("is deterministic for a seed, varies with it, and keeps input order", () => {
    const a = stratifiedSplit(examples, { val: 0.2, seed: 3 });
    const b = stratifiedSplit(examples, { val: 0.2, seed: 3 });
    const c = stratifiedSplit(examples, { val: 0.2, seed: 4 });
    expect(a.val).toEqual(b.val);
    expect(c.val.map((e) => e.id)).not.toEqual(a.val.map((e) => e.id));
    const position = new Map(examples.map((e, i) => [e, i]));
    const order = a.val.map((e) => position.get(e)!);
    expect(order).toEqual([...order].sort((x, y) => x - y));
  });

  it("validates val", () => {
    expect(() => stratifiedSplit(examples, { val: 1 })).toThrow("val must be in [0, 1), got 1");
  });
});
