import { describe, expect, it } from "vitest";
import { describePosition } from "./per-char-view";

describe("describePosition", () => {
  it("names the character, its probability, rank, surprise and the alternatives", () => {
    const tokens = ["\n", " ", "a", "b"];
    const position = {
      index: 3,
      id: 2,
      logProb: Math.log(0.25),
      rank: 2,
      top: [
        { id: 1, token: " ", prob: 0.5, logProb: Math.log(0.5) },
        { id: 2, token: "a", prob: 0.25, logProb: Math.log(0.25) },
        { id: 0, token: "\n", prob: 0.0005, logProb: Math.log(0.0005) },
      ],
    };
    expect(describePosition(position, tokens)).toBe(
      '"a": 25.0% (rank 2, 2.00 bits) — top: space 50.0%, "a" 25.0%, newline 0.050%',
    );
  });
});
