import type { NamedTensors } from "@charrnn/models";

/**
 * Global-norm gradient clipping as PyTorch's `clip_grad_norm_`: when the L2 norm over all gradients
 * exceeds `clipNorm`, every gradient is scaled by `clipNorm / (norm + 1e-6)`. Scales in place and
 * returns the norm before clipping. `clipNorm` 0 or absent only measures.
 */
export function clipGradients(grads: NamedTensors, clipNorm?: number): number {
  let sumSq = 0;
  for (const grad of grads.values()) {
    const g = grad.data;
    for (let i = 0; i < g.length; i++) sumSq += g[i]! * g[i]!;
  }
  const norm = Math.sqrt(sumSq);
  const scale = clipScale(norm, clipNorm);
  if (scale < 1) {
    for (const grad of grads.values()) {
      const g = grad.data;
      for (let i = 0; i < g.length; i++) g[i] = g[i]! * scale;
    }
  }
  return norm;
}

/** The factor `clipGradients` scales by (1 when no clipping applies). */
export function clipScale(norm: number, clipNorm?: number): number {
  if (clipNorm === undefined || clipNorm <= 0) return 1;
  return Math.min(1, clipNorm / (norm + 1e-6));
}
