import { affine } from "./kernels";

/**
 * Row v holds W_ih·x(v) + b_ih of the first layer for input token v (x = embedding row v, or the
 * one-hot vector when `embedding` is null): a lookup replaces the first layer's input matmul per step.
 * Summed in float64 in the order of the plain-TS kernels, then rounded to float32, so every engine
 * that uses the table starts from the same values.
 */
export function buildInputTable(
  wih: Float32Array,
  bih: Float32Array,
  embedding: Float32Array | null,
  V: number,
  E: number,
  GH: number,
): Float32Array {
  const table = new Float64Array(V * GH);
  if (embedding === null) {
    for (let v = 0; v < V; v++) {
      for (let j = 0; j < GH; j++) table[v * GH + j] = wih[j * E + v]! + bih[j]!;
    }
  } else {
    affine(wih, bih, GH, E, embedding, 0, E, V, table, 0, GH, false);
  }
  return Float32Array.from(table);
}
