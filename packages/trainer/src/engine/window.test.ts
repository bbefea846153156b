import { describe, expect, it } from "vitest";
import { toBatchMajor, toTimeMajor } from "./window";

describe("engine layouts", () => {
  // batch 2, steps 3: batch-major position b·3 + t holds 10·b + t.
  const ids = Int32Array.from([0, 1, 2, 10, 11, 12]);

  it("toTimeMajor puts position (b, t) at t·batch + b", () => {
    expect([...toTimeMajor(ids, 2, 3)]).toEqual([0, 10, 1, 11, 2, 12]);
  });

  it("toBatchMajor moves whole rows of width w back to batch-major and inverts toTimeMajor", () => {
    // Time-major rows of width 2: row (t, b) = [10·b + t, 100 + 10·b + t].
    const timeMajor = Float32Array.from([...toTimeMajor(ids, 2, 3)].flatMap((v) => [v, 100 + v]));
    expect([...toBatchMajor(timeMajor, 2, 3)]).toEqual([...ids].flatMap((v) => [v, 100 + v]));
    const x = Float32Array.from(ids);
    expect(toBatchMajor(toTimeMajor(x, 2, 3), 2, 3)).toEqual(x);
  });
});
