import { describe, expect, it } from "vitest";
import { packRowGroups } from "./wasm-pack";

describe("packRowGroups", () => {
  it("interleaves each group of 4 rows by 4 columns and leaves the last rows % 4 rows row-major", () => {
    const rows = 5;
    const cols = 8;
    const src = Float32Array.from({ length: rows * cols }, (_, i) => i);
    const dst = new Float32Array(2 + rows * cols).fill(-1);
    packRowGroups(src, rows, cols, dst, 2);
    const range = (from: number): number[] => [from, from + 1, from + 2, from + 3];
    expect([...dst]).toEqual([
      -1,
      -1,
      // rows 0–3, columns 0–3, then columns 4–7
      ...[0, 8, 16, 24].flatMap(range),
      ...[4, 12, 20, 28].flatMap(range),
      // row 4 as it was
      ...[32, 36].flatMap(range),
    ]);
  });
});
