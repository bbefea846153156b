import { CharrnnError } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import { createStreamBatches } from "./stream-batches";

/** Token i is i (mod 2^16): a token's value says where it came from. */
function positions(n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => i);
}

describe("createStreamBatches", () => {
  it("cuts B streams of floor((N-1)/B) tokens and walks them T at a time", () => {
    const layout = createStreamBatches(positions(103), { batch: 4, steps: 5 });
    expect(layout.streamLength).toBe(25); // floor(102 / 4)
    expect(layout.windowsPerEpoch).toBe(5); // floor(25 / 5)
    const w = layout.window(1);
    expect([w.batch, w.steps, w.index]).toEqual([4, 5, 1]);
    // row b of window k starts at b·L + k·T
    expect(Array.from(w.x.subarray(0, 5))).toEqual([5, 6, 7, 8, 9]);
    expect(Array.from(w.x.subarray(10, 15))).toEqual([55, 56, 57, 58, 59]);
    expect(Array.from(w.y.subarray(10, 15))).toEqual([56, 57, 58, 59, 60]);
  });

  it("carries state: each row continues the last window, y is x shifted, streams are contiguous slices", () => {
    const n = 1000;
    const ids = positions(n);
    for (const [batch, steps] of [
      [1, 7],
      [3, 10],
      [8, 4],
      [16, 50],
    ] as const) {
      const layout = createStreamBatches(ids, { batch, steps });
      const L = Math.floor((n - 1) / batch);
      const streams: number[][] = Array.from({ length: batch }, () => []);
      let count = 0;
      let previous: Int32Array | undefined;
      for (const window of layout) {
        expect(window.index).toBe(count++);
        expect(window.x).toBeInstanceOf(Int32Array);
        expect(window.x.length).toBe(batch * steps);
        for (let b = 0; b < batch; b++) {
          const x = window.x.subarray(b * steps, (b + 1) * steps);
          const y = window.y.subarray(b * steps, (b + 1) * steps);
          for (let t = 0; t < steps; t++) expect(y[t]).toBe(t + 1 < steps ? x[t + 1] : x[t]! + 1);
          // window k+1 of stream b starts exactly where window k ended
          if (previous) expect(x[0]).toBe(previous[(b + 1) * steps - 1]! + 1);
          streams[b]!.push(...x);
        }
        previous = window.x;
      }
      expect(count).toBe(Math.floor(L / steps));
      for (let b = 0; b < batch; b++) {
        const expected = Array.from({ length: count * steps }, (_, i) => b * L + i);
        expect(streams[b]).toEqual(expected);
      }
    }
  });

  it("resumes mid-epoch: windows(k) and window(k) equal the k-th window of a full pass", () => {
    const layout = createStreamBatches(positions(500), { batch: 3, steps: 8 });
    const all = [...layout];
    const resumed = [...layout.windows(7)];
    expect(resumed.length).toBe(all.length - 7);
    expect(resumed[0]).toEqual(all[7]);
    expect(layout.window(all.length - 1)).toEqual(all[all.length - 1]);
    expect(() => layout.window(all.length)).toThrow(CharrnnError);
  });

  it("works on a compact Uint8Array corpus and allocates fresh buffers per window", () => {
    const ids = Uint8Array.from({ length: 41 }, (_, i) => i % 7);
    const layout = createStreamBatches(ids, { batch: 2, steps: 4 });
    const a = layout.window(0);
    const b = layout.window(1);
    expect(a.x).not.toBe(b.x);
    expect(Array.from(a.x)).toEqual([0, 1, 2, 3, 6, 0, 1, 2]); // stream 1 starts at token 20
  });

  it("refuses a corpus shorter than one window, saying what to change", () => {
    expect(() => createStreamBatches(positions(40), { batch: 4, steps: 10 })).toThrow(
      "corpus has 40 tokens; batch 4 × seq 10 needs at least 41; lower --batch or --seq",
    );
    expect(createStreamBatches(positions(41), { batch: 4, steps: 10 }).windowsPerEpoch).toBe(1);
    expect(() => createStreamBatches(positions(40), { batch: 0, steps: 1 })).toThrow(
      "batch must be an integer >= 1, got 0",
    );
  });

  it("without a shift every epoch is epoch 0: offset 0, the same windows", () => {
    const layout = createStreamBatches(positions(500), { batch: 3, steps: 8 });
    for (const epoch of [0, 1, 7]) {
      expect(layout.offset(epoch)).toBe(0);
      expect(layout.window(4, epoch)).toEqual(layout.window(4));
    }
  });

  it("with a shift, epoch e's streams start offset(e) < T later: cuts move, windows stay contiguous", () => {
    const n = 1000;
    const ids = positions(n);
    const batch = 4;
    const steps = 10;
    const layout = createStreamBatches(ids, { batch, steps, shiftSeed: 5 });
    const L = Math.floor((n - steps) / batch); // room for the largest offset
    expect(layout.streamLength).toBe(L);
    expect(layout.windowsPerEpoch).toBe(Math.floor(L / steps));
    const offsets = Array.from({ length: 40 }, (_, e) => layout.offset(e));
    for (const o of offsets) expect(o >= 0 && o < steps && Number.isInteger(o)).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(5);
    for (const epoch of [0, 1, 2, 39]) {
      const o = layout.offset(epoch);
      for (let k = 0; k < layout.windowsPerEpoch; k++) {
        const w = layout.window(k, epoch);
        for (let b = 0; b < batch; b++) {
          const expected = Array.from({ length: steps }, (_, t) => o + b * L + k * steps + t);
          expect(Array.from(w.x.subarray(b * steps, (b + 1) * steps))).toEqual(expected);
          expect(Array.from(w.y.subarray(b * steps, (b + 1) * steps))).toEqual(expected.map((i) => i + 1));
        }
        expect(Math.max(...w.y)).toBeLessThan(n); // even the largest offset stays inside the corpus
      }
    }
  });

  it("draws the same offsets for the same seed in any order of epochs, others for another seed", () => {
    const options = { batch: 2, steps: 50 };
    const a = createStreamBatches(positions(2000), { ...options, shiftSeed: 9 });
    const b = createStreamBatches(positions(2000), { ...options, shiftSeed: 9 });
    const c = createStreamBatches(positions(2000), { ...options, shiftSeed: 10 });
    const forward = Array.from({ length: 12 }, (_, e) => a.offset(e));
    const backward = Array.from({ length: 12 }, (_, e) => b.offset(11 - e)).reverse();
    expect(backward).toEqual(forward);
    expect(Array.from({ length: 12 }, (_, e) => c.offset(e))).not.toEqual(forward);
    expect(a.window(3, 5)).toEqual(b.window(3, 5));
  });

  it("with a shift needs T − 1 more tokens, and says so", () => {
    expect(() => createStreamBatches(positions(49), { batch: 4, steps: 10, shiftSeed: 1 })).toThrow(
      "corpus has 49 tokens; batch 4 × seq 10 needs at least 50; lower --batch or --seq",
    );
    expect(createStreamBatches(positions(50), { batch: 4, steps: 10, shiftSeed: 1 }).windowsPerEpoch).toBe(1);
  });
});
