import { createRng } from "@charrnn/core";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { selectBackend } from "./backend";
import { maxRelError } from "./test-helpers";
import { sumRows, tfjsOps } from "./tfjs-ops";

/** Row-major [rows, cols] values drawn from `seed`. */
function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: rows * cols }, () => rng.next() * 2 - 1);
}

/** a·b in float64 for row-major a `[n, k]` (or its transpose when `transposeA`) and b `[k, m]`. */
function product(
  a: Float32Array,
  b: Float32Array,
  n: number,
  k: number,
  m: number,
  transposeA = false,
): number[] {
  const out = new Array<number>(n * m).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transposeA ? a[p * n + i]! : a[i * k + p]!) * b[p * m + j]!;
      out[i * m + j] = s;
    }
  }
  return out;
}

function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}

describe("tfjs ops: the same results in every backend's layout", () => {
  for (const backend of ["cpu", "wasm"]) {
    it(`${backend}: x·wᵀ, aᵀ·b (either operand the narrower), row splits and row sums`, async () => {
      await selectBackend({ backend });
      const ops = tfjsOps(backend);
      const before = tf.memory().numTensors;
      const x = randomMatrix(6, 5, 1);
      const w = randomMatrix(7, 5, 2);
      const wide = randomMatrix(6, 9, 3);
      const narrow = randomMatrix(6, 2, 4);
      tf.tidy(() => {
        const xt = tf.tensor2d(x, [6, 5]);
        const prepared = ops.prepareT(tf.tensor2d(w, [7, 5]));
        expect(
          maxRelError(ops.mulT(xt, prepared).dataSync(), product(x, transposed(w, 7, 5), 6, 5, 7)),
        ).toBeLessThan(1e-5);
        const wideT = tf.tensor2d(wide, [6, 9]);
        const narrowT = tf.tensor2d(narrow, [6, 2]);
        expect(
          maxRelError(ops.tMul(wideT, narrowT).dataSync(), product(wide, narrow, 9, 6, 2, true)),
        ).toBeLessThan(1e-5);
        expect(
          maxRelError(ops.tMul(narrowT, wideT).dataSync(), product(narrow, wide, 2, 6, 9, true)),
        ).toBeLessThan(1e-5);
        const parts = ops.splitRows(wideT, 3);
        expect(parts.map((p) => p.shape)).toEqual([
          [2, 9],
          [2, 9],
          [2, 9],
        ]);
        expect([...parts[1]!.dataSync()]).toEqual([...wide.subarray(18, 36)]);
        const sums = Array.from({ length: 9 }, (_, j) =>
          [0, 1, 2, 3, 4, 5].reduce((s, i) => s + wide[i * 9 + j]!, 0),
        );
        expect(maxRelError(sumRows(wideT).dataSync(), sums)).toBeLessThan(1e-5);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
