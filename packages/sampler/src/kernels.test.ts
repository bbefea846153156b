import { createRng } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import { affine } from "./kernels";

const rng = createRng(17);
const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);

/** The same contract as `affine`, written as the plain triple loop. */
function naiveAffine(
  w: Float32Array,
  bias: Float32Array | null,
  rows: number,
  cols: number,
  x: Float32Array,
  xOff: number,
  xStride: number,
  batch: number,
  out: Float64Array,
  outOff: number,
  outStride: number,
  accumulate: boolean,
): void {
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < rows; j++) {
      let s = bias === null ? 0 : bias[j]!;
      for (let k = 0; k < cols; k++) s += w[j * cols + k]! * x[xOff + b * xStride + k]!;
      const o = outOff + b * outStride + j;
      out[o] = accumulate ? out[o]! + s : s;
    }
  }
}

describe("affine", () => {
  // Batches around the 4-stream tile, rows around the 3- and 8-row tiles and the 48-row panel,
  // columns not a multiple of 4.
  const shapes: [batch: number, rows: number, cols: number][] = [
    [1, 1, 1],
    [1, 13, 7],
    [1, 65, 33],
    [2, 5, 3],
    [3, 10, 9],
    [4, 3, 5],
    [4, 49, 6],
    [5, 7, 11],
    [7, 17, 2],
    [8, 48, 16],
    [9, 100, 13],
    [13, 97, 31],
  ];
  for (const [batch, rows, cols] of shapes) {
    for (const accumulate of [false, true]) {
      for (const withBias of [true, false]) {
        it(`matches the naive loop: batch ${batch}, ${rows}×${cols}, accumulate ${accumulate}, bias ${withBias}`, () => {
          const w = random(rows * cols);
          const bias = withBias ? random(rows) : null;
          // Offsets and strides wider than the rows, so only the addressed elements may be read or written.
          const xOff = 3;
          const xStride = cols + 2;
          const x = random(xOff + batch * xStride);
          const outOff = 5;
          const outStride = rows + 4;
          const start = Float64Array.from(random(outOff + batch * outStride + 3));
          const got = Float64Array.from(start);
          const want = Float64Array.from(start);
          affine(w, bias, rows, cols, x, xOff, xStride, batch, got, outOff, outStride, accumulate);
          naiveAffine(w, bias, rows, cols, x, xOff, xStride, batch, want, outOff, outStride, accumulate);
          let maxDiff = 0;
          let gapsKept = true;
          for (let i = 0; i < want.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
            const row = i - outOff;
            const addressed = row >= 0 && row < batch * outStride && row % outStride < rows;
            if (!addressed && got[i] !== start[i]) gapsKept = false;
          }
          expect(maxDiff).toBeLessThan(1e-12);
          expect(gapsKept).toBe(true);
        });
      }
    }
  }
});
