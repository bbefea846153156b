/** A dense float32 tensor in row-major order. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/**
 * Parameters by name in the framework-neutral layout (see `weight-layout.ts` and docs/design.md):
 * `embedding.weight` [V, E], per layer k `rnn.weight_ih_l{k}` [G·H, in], `rnn.weight_hh_l{k}` [G·H, H],
 * `rnn.bias_ih_l{k}` [G·H], `rnn.bias_hh_l{k}` [G·H], then `output.weight` [V, H], `output.bias` [V].
 * Gate order is PyTorch's: LSTM i,f,g,o; GRU r,z,n (reset applied after the recurrent matmul).
 */
export type NamedTensors = Map<string, Tensor>;

/** Recurrent state laid out as ONNX and PyTorch do: `[layers, batch, hidden]` each. */
export interface RnnState {
  layers: number;
  batch: number;
  hidden: number;
  h: Float32Array;
  /** LSTM cell state; absent for rnn and gru. */
  c?: Float32Array;
}

/** Number of elements of a tensor of this shape. */
export function tensorSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
