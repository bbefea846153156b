/**
 * `--precision` of the torch engine: `bf16` is mixed precision (float32 weights, gradients,
 * optimizer state and loss; bfloat16 matmuls), python/charrnn_torch/precision.py its other half.
 */
export const TORCH_PRECISIONS = ["fp32", "bf16"] as const;
export type TorchPrecision = (typeof TORCH_PRECISIONS)[number];
