import { describe, expect, it } from "vitest";
import { balancedClassWeights, createConfusionAccumulator, reportFromConfusion } from "./metrics";

describe("classification metrics", () => {
  it("counts argmax predictions into the confusion matrix, with precision, recall and the majority baseline", () => {
    const acc = createConfusionAccumulator(["a", "b", "c"]);
    // rows: predicted a, b, b, c, a
    const logits = [3, 1, 0, 0, 2, 1, 0.5, 4, -1, 0, 0, 9, 1, 0, 0];
    acc.add(logits, [0, 1, 0, 2, 1], 5);
    const r = acc.report();
    expect(r.confusion).toEqual([
      [1, 1, 0],
      [1, 1, 0],
      [0, 0, 1],
    ]);
    expect(r.accuracy).toBeCloseTo(3 / 5);
    expect(r.precision).toEqual([0.5, 0.5, 1]);
    expect(r.recall).toEqual([0.5, 0.5, 1]);
    expect(r.support).toEqual([2, 2, 1]);
    expect(r.majorityAccuracy).toBeCloseTo(2 / 5);
    expect(r.majorityLabel).toBe("a");
    // loss of row 0: logsumexp(3,1,0) − 3
    const row0 = Math.log(Math.exp(3) + Math.exp(1) + 1) - 3;
    expect(r.loss).toBeGreaterThan(row0 / 5);
  });

  it("gives 0 precision to a label never predicted and 0 recall to an empty one", () => {
    const r = reportFromConfusion(
      ["x", "y"],
      [
        [4, 0],
        [0, 0],
      ],
    );
    expect(r.precision).toEqual([1, 0]);
    expect(r.recall).toEqual([1, 0]);
    expect(r.accuracy).toBe(1);
  });

  it("balanced weights make every present class weigh the same in total", () => {
    const labels = [0, 0, 0, 1, 2, 2];
    const w = balancedClassWeights(4, labels);
    expect(w[3]).toBe(0);
    expect(w[0]! * 3).toBeCloseTo(w[1]! * 1);
    expect(w[2]! * 2).toBeCloseTo(w[1]! * 1);
    expect(w[0]! * 3 + w[1]! + w[2]! * 2).toBeCloseTo(6);
  });
});
