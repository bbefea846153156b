/**
 * Dense kernels of the plain-TypeScript engine. Weights are `[rows, cols]` row-major, so each output
 * reads one contiguous weight row; every function takes offsets instead of subarray views so a step
 * allocates nothing.
 */

/**
 * `out[outOff + b·outStride + j] (=|+=) bias[j] + Σ_k w[j, k] · x[xOff + b·xStride + k]` for `b < batch`.
 * The weight row stays hot in cache while it is dotted with every stream's input. The array types
 * are fixed (float32 in, float64 out) so the element accesses stay monomorphic in V8.
 */
export function affine(
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
  const cols4 = cols - (cols % 4);
  for (let j = 0; j < rows; j++) {
    const wRow = j * cols;
    const b0 = bias === null ? 0 : bias[j]!;
    for (let b = 0; b < batch; b++) {
      const xRow = xOff + b * xStride;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k < cols4; k += 4) {
        s0 += w[wRow + k]! * x[xRow + k]!;
        s1 += w[wRow + k + 1]! * x[xRow + k + 1]!;
        s2 += w[wRow + k + 2]! * x[xRow + k + 2]!;
        s3 += w[wRow + k + 3]! * x[xRow + k + 3]!;
      }
      for (; k < cols; k++) s0 += w[wRow + k]! * x[xRow + k]!;
      const o = outOff + b * outStride + j;
      const s = b0 + (s0 + s1 + (s2 + s3));
      out[o] = accumulate ? out[o]! + s : s;
    }
  }
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
