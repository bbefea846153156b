import { layerParamNames, type ModelConfig, type NamedTensors, weightDropMasks } from "@charrnn/models";

/** One training step's weight drop: the recurrent weights it masks, by name, and their masks. */
export interface WeightDrop {
  names: string[];
  masks: Float32Array[];
}

/** The step's weight-drop masks (`config.weightDrop`), or `undefined` when the config has none. */
export function drawWeightDrop(config: ModelConfig, seed: number): WeightDrop | undefined {
  const masks = weightDropMasks(config, seed);
  if (masks === undefined) return undefined;
  return { names: masks.map((_, k) => layerParamNames(k).weightHh), masks };
}

/** Masked copies W ⊙ m of the dropped weights, by name: what the step runs with in their place. */
export function dropWeights(params: NamedTensors, drop: WeightDrop): NamedTensors {
  const out: NamedTensors = new Map();
  drop.names.forEach((name, k) => {
    const t = params.get(name)!;
    const mask = drop.masks[k]!;
    const data = new Float32Array(mask.length);
    for (let i = 0; i < data.length; i++) data[i] = t.data[i]! * mask[i]!;
    out.set(name, { shape: t.shape, data });
  });
  return out;
}

/**
 * Turns the gradients of the masked weights into those of the weights themselves, in place: the
 * step used W ⊙ m, so ∂L/∂W = ∂L/∂(W ⊙ m) ⊙ m (dropped entries get no gradient).
 */
export function maskWeightGrads(grads: NamedTensors, drop: WeightDrop): void {
  drop.names.forEach((name, k) => {
    const g = grads.get(name)!.data;
    const mask = drop.masks[k]!;
    for (let i = 0; i < g.length; i++) g[i]! *= mask[i]!;
  });
}
