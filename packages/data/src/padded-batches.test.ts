import { describe, expect, it } from "vitest";
import { createPaddedBatches, type LabelledSequence } from "./padded-batches";

function example(length: number, label: number): LabelledSequence {
  // tokens 1..length, so padding (0 here, 99 below) is easy to tell apart
  return { ids: Int32Array.from({ length }, (_, t) => 10 * label + t + 1), label };
}

describe("createPaddedBatches", () => {
  const examples = [example(3, 0), example(1, 1), example(5, 2), example(2, 3), example(4, 4)];

  it("pads to the longest row with lengths, masks and labels", () => {
    const batches = createPaddedBatches(examples, { batch: 2, padId: 99, shuffle: false });
    expect(batches.batchesPerEpoch).toBe(3);
    const first = batches.batchAt(0, 0);
    expect([first.batch, first.steps]).toEqual([2, 3]);
    expect(Array.from(first.x)).toEqual([1, 2, 3, 11, 99, 99]);
    expect(Array.from(first.mask)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(Array.from(first.lengths)).toEqual([3, 1]);
    expect(Array.from(first.labels)).toEqual([0, 1]);
    const last = batches.batchAt(0, 2);
    expect([last.batch, last.steps, last.index]).toEqual([1, 4, 2]);
    expect(Array.from(last.x)).toEqual([41, 42, 43, 44]);
  });

  it("keeps every example once per epoch, with mask sums equal to lengths, shuffled by seed", () => {
    const batches = createPaddedBatches(examples, { batch: 2, seed: 5 });
    const labelsOf = (epoch: number) => [...batches.epoch(epoch)].flatMap((b) => Array.from(b.labels));
    for (let epoch = 0; epoch < 3; epoch++) {
      expect([...labelsOf(epoch)].sort()).toEqual([0, 1, 2, 3, 4]);
      for (const b of batches.epoch(epoch)) {
        for (let r = 0; r < b.batch; r++) {
          let sum = 0;
          for (let t = 0; t < b.steps; t++) sum += b.mask[r * b.steps + t]!;
          expect(sum).toBe(b.lengths[r]);
          expect(b.lengths[r]).toBe(examples[b.labels[r]!]!.ids.length);
          expect(b.x[r * b.steps]).toBe(10 * b.labels[r]! + 1);
        }
      }
    }
    const again = createPaddedBatches(examples, { batch: 2, seed: 5 });
    expect([...again.epoch(1)]).toEqual([...batches.epoch(1)]);
    const epochs = [0, 1, 2, 3].map((e) => labelsOf(e).join());
    expect(new Set(epochs).size).toBeGreaterThan(1);
  });

  it("groups similar lengths with sortByLength", () => {
    const batches = createPaddedBatches(examples, { batch: 2, sortByLength: true, seed: 1 });
    const rows = [...batches.epoch(0)].map((b) => Array.from(b.lengths).sort());
    expect(rows.sort()).toEqual([[1, 2], [3, 4], [5]].sort());
  });

  it("refuses empty examples and bad options", () => {
    expect(() => createPaddedBatches([example(0, 0)], { batch: 1 })).toThrow(/example 0 has no tokens/);
    expect(() => createPaddedBatches(examples, { batch: 0 })).toThrow("batch must be an integer >= 1, got 0");
    expect(() => createPaddedBatches([], { batch: 1 })).toThrow(/no examples/);
  });
});
