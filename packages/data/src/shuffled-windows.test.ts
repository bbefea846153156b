import { describe, expect, it } from "vitest";
import { createShuffledWindows } from "./shuffled-windows";

function positions(n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => i);
}

/** Start token of every row of every batch of an epoch. */
function starts(layout: ReturnType<typeof createShuffledWindows>, epoch: number): number[] {
  const out: number[] = [];
  for (const batch of layout.epoch(epoch)) {
    for (let b = 0; b < batch.batch; b++) out.push(batch.x[b * batch.steps]!);
  }
  return out;
}

describe("createShuffledWindows", () => {
  const ids = positions(10 * 24 + 5); // 24 windows of 10 tokens (T = 9) and 5 left over

  it("serves non-overlapping windows of T+1 tokens that cover the corpus once per epoch", () => {
    const layout = createShuffledWindows(ids, { batch: 4, steps: 9, seed: 1 });
    expect(layout.windowCount).toBe(24);
    expect(layout.windowsPerEpoch).toBe(6);
    const seen = starts(layout, 0);
    expect(seen.length).toBe(24);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, w) => w * 10));
    for (const batch of layout.epoch(0)) {
      for (let b = 0; b < batch.batch; b++) {
        const x = Array.from(batch.x.subarray(b * 9, b * 9 + 9));
        const y = Array.from(batch.y.subarray(b * 9, b * 9 + 9));
        expect(x).toEqual(Array.from({ length: 9 }, (_, t) => x[0]! + t));
        expect(y).toEqual(x.map((v) => v + 1));
      }
    }
  });

  it("is shuffled, deterministic for a seed, different across epochs and seeds", () => {
    const a = createShuffledWindows(ids, { batch: 4, steps: 9, seed: 7 });
    const b = createShuffledWindows(ids, { batch: 4, steps: 9, seed: 7 });
    const c = createShuffledWindows(ids, { batch: 4, steps: 9, seed: 8 });
    const identity = Array.from({ length: 24 }, (_, w) => w * 10);
    expect(starts(a, 0)).not.toEqual(identity);
    expect(starts(a, 0)).toEqual(starts(b, 0));
    expect(starts(a, 1)).not.toEqual(starts(a, 0));
    expect(starts(c, 0)).not.toEqual(starts(a, 0));
    // epoch order does not depend on which epochs were visited before
    expect(starts(b, 3)).toEqual(starts(a, 3));
    expect(Array.from(a.order(2))).toEqual(starts(b, 2).map((s) => s / 10));
  });

  it("gives random access and mid-epoch resume equal to a full pass", () => {
    const layout = createShuffledWindows(ids, { batch: 3, steps: 9, seed: 2 });
    const full = [...layout.epoch(4)];
    expect([...layout.epoch(4, 5)]).toEqual(full.slice(5));
    layout.batchAt(0, 0);
    expect(layout.batchAt(4, 2)).toEqual(full[2]);
  });

  it("drops the windows that do not fill a batch, different ones each epoch", () => {
    const layout = createShuffledWindows(ids, { batch: 5, steps: 9, seed: 3 });
    expect(layout.windowsPerEpoch).toBe(4); // 24 windows → 4 batches of 5, 4 windows dropped
    const e0 = new Set(starts(layout, 0));
    const e1 = new Set(starts(layout, 1));
    expect(e0.size).toBe(20);
    expect([...e0].every((s) => e1.has(s))).toBe(false);
  });

  it("refuses a corpus with fewer windows than a batch", () => {
    expect(() => createShuffledWindows(positions(39), { batch: 4, steps: 9 })).toThrow(
      /corpus has 39 tokens.*at least 40; lower --batch or --seq/,
    );
  });
});
