import * as tf from "@tensorflow/tfjs-core";

/** A weight `w` prepared once for many products x·wᵀ, in the layout the backend multiplies fastest. */
export interface RightOperand {
  readonly tensor: tf.Tensor2D;
  /** Whether `tensor` is `w` itself (multiplied with transposeB) rather than a materialised wᵀ. */
  readonly transposed: boolean;
}

/**
 * The few layout-sensitive primitives of the training window, in the form the active backend runs
 * fastest. They differ because the embedded backends' kernels do:
 * - tfjs-backend-wasm 4.22 sends a matmul to XNNPACK only when neither operand is transposed (and keeps
 *   the packed right operand while that tensor lives); with a transpose flag it falls back to a naive
 *   loop 5–20× slower. So wasm materialises transposes, which its Transpose kernel does cheaply.
 * - wasm's Slice (and so split and unstack) copies the whole input out of the heap for every piece,
 *   and its Gather builds an index vector per element: splitting a [T·B, d] tensor into T steps that way
 *   costs T full copies. Reading it once and uploading the T blocks costs two.
 * - The cpu backend (and tfjs-node) multiplies transposed operands as fast as plain ones and slices
 *   along the first axis as views, so there the plain ops are best.
 */
export interface TfjsOps {
  /** `w` ready for `mulT`. */
  prepareT(w: tf.Tensor2D): RightOperand;
  /** x·wᵀ. */
  mulT(x: tf.Tensor2D, w: RightOperand): tf.Tensor2D;
  /** aᵀ·b for a `[n, p]`, b `[n, q]`: weight gradients summed over all positions. */
  tMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D;
  /** x split into `parts` equal row blocks, in order: a time-major `[steps·batch, d]` tensor into steps. */
  splitRows(x: tf.Tensor2D, parts: number): tf.Tensor2D[];
}

const wasmOps: TfjsOps = {
  prepareT: (w) => ({ tensor: tf.transpose(w), transposed: false }),
  mulT: (x, w) => tf.matMul(x, w.tensor, false, w.transposed),
  tMul: (a, b) =>
    tf.tidy(() =>
      // Transpose the narrower operand: aᵀ·b = (bᵀ·a)ᵀ, and the [p, q] result is small.
      a.shape[1] <= b.shape[1]
        ? tf.matMul(tf.transpose(a), b)
        : tf.transpose<tf.Tensor2D>(tf.matMul<tf.Tensor2D>(tf.transpose(b), a)),
    ),
  splitRows(x, parts) {
    const [n, d] = x.shape;
    const rows = n / parts;
    const size = rows * d;
    // dataSync on wasm is one copy out of the heap (there is no device to wait for); each tensor2d
    // copies one block back in.
    const data = x.dataSync<"float32">();
    return Array.from({ length: parts }, (_, t) =>
      tf.tensor2d(data.subarray(t * size, (t + 1) * size), [rows, d]),
    );
  },
};

const plainOps: TfjsOps = {
  prepareT: (w) => ({ tensor: w, transposed: true }),
  mulT: (x, w) => tf.matMul(x, w.tensor, false, w.transposed),
  tMul: (a, b) => tf.matMul(a, b, true, false),
  splitRows: (x, parts) => tf.split(x, parts, 0),
};

/** The primitives for a TF.js backend by name (`wasm`, `cpu`, `tensorflow`). */
export function tfjsOps(backend: string): TfjsOps {
  return backend === "wasm" ? wasmOps : plainOps;
}

/**
 * Σ over the rows of x `[n, d]` → `[d]`: bias gradients. A ones-row matmul, which both embedded
 * backends run 10–30× faster than a Sum over axis 0 (they transpose for it).
 */
export function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [x.shape[1]]));
}
