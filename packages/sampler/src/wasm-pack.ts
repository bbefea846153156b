/**
 * Copies a row-major `[rows, cols]` float32 matrix (cols a multiple of 4) into `dst` at element `at`
 * in the layout the `affine` kernel of `wasm/kernels.wat` reads: each group of 4 rows as consecutive
 * 16-float tiles `[row 0, cols k..k+3 | row 1, k..k+3 | row 2 … | row 3 …]` for k = 0, 4, 8, …, so the
 * kernel walks a group with one pointer and constant offsets; the last `rows % 4` rows stay row-major
 * after the groups (where they would be in a row-major copy).
 */
export function packRowGroups(
  src: Float32Array,
  rows: number,
  cols: number,
  dst: Float32Array,
  at: number,
): void {
  const grouped = rows - (rows % 4);
  for (let j = 0; j < grouped; j++) {
    const group = at + (j - (j % 4)) * cols + (j % 4) * 4;
    for (let k = 0; k < cols; k += 4) {
      const to = group + k * 4;
      const from = j * cols + k;
      dst[to] = src[from]!;
      dst[to + 1] = src[from + 1]!;
      dst[to + 2] = src[from + 2]!;
      dst[to + 3] = src[from + 3]!;
    }
  }
  dst.set(src.subarray(grouped * cols, rows * cols), at + grouped * cols);
}
