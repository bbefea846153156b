/**
 * Dense kernels of the plain-TypeScript engine. Weights are `[rows, cols]` row-major, so each output
 * reads one contiguous weight row; every function takes offsets instead of subarray views so a step
 * allocates nothing.
 *
 * Plain JS has no SIMD, so a scalar dot product pays a bounds-checked load and a float32→float64
 * conversion per operand per multiply-add. The kernels below are register-tiled to share loads:
 * 3 weight rows × 4 streams per tile (each loaded weight feeds 4 multiply-adds, each loaded input
 * 3), or 8 weight rows × 1 stream when fewer than 4 streams are left. 12 float64 accumulators plus
 * the 3 weights and 1 input of a tile fill x64's 16 float registers; larger tiles spill and were
 * measured slower in V8. The tiles also give independent accumulator chains, so additions overlap.
 */

/**
 * Weight rows per panel: every stream is run through one panel before the next, so a panel
 * (48 × 2 KiB at 512 columns) is read from memory once per call and then from cache, rather than
 * once per 4 streams. A multiple of both tile heights (3 and 8), so only the last panel has a tail.
 */
const PANEL_ROWS = 48;

/**
 * `out[outOff + b·outStride + j] (=|+=) bias[j] + Σ_k w[j, k] · x[xOff + b·xStride + k]` for `b < batch`.
 * Weight rows go a panel at a time and, within a panel, streams 4 at a time (the rest 1 at a time);
 * each output is summed in float64 in `k` order, then added to its bias.
 * The array types are fixed (float32 in, float64 out) so the element accesses stay monomorphic in V8.
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
  for (let j0 = 0; j0 < rows; j0 += PANEL_ROWS) {
    const j1 = Math.min(rows, j0 + PANEL_ROWS);
    let b = 0;
    for (; b + 4 <= batch; b += 4) {
      affine4(
        w,
        bias,
        j0,
        j1,
        cols,
        x,
        xOff + b * xStride,
        xStride,
        out,
        outOff + b * outStride,
        outStride,
        accumulate,
      );
    }
    for (; b < batch; b++) {
      affine1(w, bias, j0, j1, cols, x, xOff + b * xStride, out, outOff + b * outStride, accumulate);
    }
  }
}

/**
 * {@link affine} over weight rows `[j0, j1)` for the 4 streams whose inputs start at `xRow + i·xStride`
 * and outputs at `oRow + i·outStride`.
 */
function affine4(
  w: Float32Array,
  bias: Float32Array | null,
  j0: number,
  j1: number,
  cols: number,
  x: Float32Array,
  xRow: number,
  xStride: number,
  out: Float64Array,
  oRow: number,
  outStride: number,
  accumulate: boolean,
): void {
  const x0 = xRow;
  const x1 = x0 + xStride;
  const x2 = x1 + xStride;
  const x3 = x2 + xStride;
  const o0 = oRow;
  const o1 = o0 + outStride;
  const o2 = o1 + outStride;
  const o3 = o2 + outStride;
  let j = j0;
  for (; j + 3 <= j1; j += 3) {
    const w0 = j * cols;
    const w1 = w0 + cols;
    const w2 = w1 + cols;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    for (let k = 0; k < cols; k++) {
      const u = w[w0 + k]!;
      const v = w[w1 + k]!;
      const z = w[w2 + k]!;
      const y0 = x[x0 + k]!;
      a0 += u * y0;
      b0 += v * y0;
      c0 += z * y0;
      const y1 = x[x1 + k]!;
      a1 += u * y1;
      b1 += v * y1;
      c1 += z * y1;
      const y2 = x[x2 + k]!;
      a2 += u * y2;
      b2 += v * y2;
      c2 += z * y2;
      const y3 = x[x3 + k]!;
      a3 += u * y3;
      b3 += v * y3;
      c3 += z * y3;
    }
    const ba = bias === null ? 0 : bias[j]!;
    const bb = bias === null ? 0 : bias[j + 1]!;
    const bc = bias === null ? 0 : bias[j + 2]!;
    put(out, o0 + j, ba + a0, accumulate);
    put(out, o1 + j, ba + a1, accumulate);
    put(out, o2 + j, ba + a2, accumulate);
    put(out, o3 + j, ba + a3, accumulate);
    put(out, o0 + j + 1, bb + b0, accumulate);
    put(out, o1 + j + 1, bb + b1, accumulate);
    put(out, o2 + j + 1, bb + b2, accumulate);
    put(out, o3 + j + 1, bb + b3, accumulate);
    put(out, o0 + j + 2, bc + c0, accumulate);
    put(out, o1 + j + 2, bc + c1, accumulate);
    put(out, o2 + j + 2, bc + c2, accumulate);
    put(out, o3 + j + 2, bc + c3, accumulate);
  }
  // The last (j1 - j0) % 3 rows, one weight row × 4 streams.
  for (; j < j1; j++) {
    const w0 = j * cols;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let k = 0; k < cols; k++) {
      const u = w[w0 + k]!;
      a0 += u * x[x0 + k]!;
      a1 += u * x[x1 + k]!;
      a2 += u * x[x2 + k]!;
      a3 += u * x[x3 + k]!;
    }
    const ba = bias === null ? 0 : bias[j]!;
    put(out, o0 + j, ba + a0, accumulate);
    put(out, o1 + j, ba + a1, accumulate);
    put(out, o2 + j, ba + a2, accumulate);
    put(out, o3 + j, ba + a3, accumulate);
  }
}

/** {@link affine} over weight rows `[j0, j1)` for the one stream whose input starts at `xRow` and output at `oRow`. */
function affine1(
  w: Float32Array,
  bias: Float32Array | null,
  j0: number,
  j1: number,
  cols: number,
  x: Float32Array,
  xRow: number,
  out: Float64Array,
  oRow: number,
  accumulate: boolean,
): void {
  let j = j0;
  for (; j + 8 <= j1; j += 8) {
    const w0 = j * cols;
    const w1 = w0 + cols;
    const w2 = w1 + cols;
    const w3 = w2 + cols;
    const w4 = w3 + cols;
    const w5 = w4 + cols;
    const w6 = w5 + cols;
    const w7 = w6 + cols;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let a4 = 0;
    let a5 = 0;
    let a6 = 0;
    let a7 = 0;
    for (let k = 0; k < cols; k++) {
      const y = x[xRow + k]!;
      a0 += w[w0 + k]! * y;
      a1 += w[w1 + k]! * y;
      a2 += w[w2 + k]! * y;
      a3 += w[w3 + k]! * y;
      a4 += w[w4 + k]! * y;
      a5 += w[w5 + k]! * y;
      a6 += w[w6 + k]! * y;
      a7 += w[w7 + k]! * y;
    }
    const o = oRow + j;
    put(out, o, (bias === null ? 0 : bias[j]!) + a0, accumulate);
    put(out, o + 1, (bias === null ? 0 : bias[j + 1]!) + a1, accumulate);
    put(out, o + 2, (bias === null ? 0 : bias[j + 2]!) + a2, accumulate);
    put(out, o + 3, (bias === null ? 0 : bias[j + 3]!) + a3, accumulate);
    put(out, o + 4, (bias === null ? 0 : bias[j + 4]!) + a4, accumulate);
    put(out, o + 5, (bias === null ? 0 : bias[j + 5]!) + a5, accumulate);
    put(out, o + 6, (bias === null ? 0 : bias[j + 6]!) + a6, accumulate);
    put(out, o + 7, (bias === null ? 0 : bias[j + 7]!) + a7, accumulate);
  }
  // The last (j1 - j0) % 8 rows, one at a time.
  for (; j < j1; j++) {
    const w0 = j * cols;
    let a0 = 0;
    for (let k = 0; k < cols; k++) a0 += w[w0 + k]! * x[xRow + k]!;
    put(out, oRow + j, (bias === null ? 0 : bias[j]!) + a0, accumulate);
  }
}

function put(out: Float64Array, o: number, value: number, accumulate: boolean): void {
  out[o] = accumulate ? out[o]! + value : value;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
