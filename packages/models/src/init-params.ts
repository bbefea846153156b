import type { Rng } from "@charrnn/core";
import type { ModelConfig } from "./config";
import { gateCount, layerInputSize } from "./config";
import type { NamedTensors } from "./tensor";
import { tensorSize } from "./tensor";
import { EMBEDDING_WEIGHT, expectedShapes, headParams, layerParamNames } from "./weight-layout";

/**
 * Fresh parameters for `config`, drawn from `rng` in layout order (so a seed fixes the model):
 * - `uniform`: every tensor uniform in ±scale.
 * - `glorot` (Keras defaults): input kernels and the output weight glorot-uniform over the whole
 *   matrix, each recurrent gate block an orthogonal H×H matrix, biases zero, embedding uniform ±0.05.
 * - `pytorch`: recurrent and output tensors uniform ±1/√H, embedding N(0, 1).
 * LSTM `forgetBias` is then added to the forget block of `bias_ih` (PyTorch gate order i,f,g,o).
 */
export function initParams(config: ModelConfig, rng: Rng): NamedTensors {
  const params: NamedTensors = new Map();
  for (const [name, shape] of expectedShapes(config)) {
    params.set(name, { shape, data: new Float32Array(tensorSize(shape)) });
  }
  const get = (name: string): Float32Array => params.get(name)!.data;
  const { hidden: h, init } = config;
  const g = gateCount(config.cell);
  const uniform = (data: Float32Array, scale: number): void => {
    for (let i = 0; i < data.length; i++) data[i] = (rng.next() * 2 - 1) * scale;
  };

  if (config.input === "embedding") {
    const emb = get(EMBEDDING_WEIGHT);
    if (init.kind === "uniform") uniform(emb, init.scale);
    else if (init.kind === "glorot") uniform(emb, 0.05);
    else for (let i = 0; i < emb.length; i++) emb[i] = rng.normal();
  }
  for (let k = 0; k < config.layers; k++) {
    const names = layerParamNames(k);
    const inSize = layerInputSize(config, k);
    if (init.kind === "glorot") {
      uniform(get(names.weightIh), Math.sqrt(6 / (inSize + g * h)));
      const whh = get(names.weightHh);
      for (let gate = 0; gate < g; gate++) whh.set(orthogonal(h, rng), gate * h * h);
      // biases stay zero
    } else {
      const scale = init.kind === "uniform" ? init.scale : 1 / Math.sqrt(h);
      uniform(get(names.weightIh), scale);
      uniform(get(names.weightHh), scale);
      uniform(get(names.biasIh), scale);
      uniform(get(names.biasHh), scale);
    }
    if (config.cell === "lstm" && config.forgetBias !== 0) {
      const bias = get(names.biasIh);
      for (let j = h; j < 2 * h; j++) bias[j] = bias[j]! + config.forgetBias;
    }
  }
  // A classifier's label projection is drawn like the output projection, with labels for V.
  const head = headParams(config);
  if (init.kind === "glorot") {
    uniform(get(head.weight), Math.sqrt(6 / (h + head.rows)));
  } else {
    const scale = init.kind === "uniform" ? init.scale : 1 / Math.sqrt(h);
    uniform(get(head.weight), scale);
    uniform(get(head.bias), scale);
  }
  return params;
}

/** A random n×n orthogonal matrix (row-major): modified Gram–Schmidt on the rows of a normal matrix. */
export function orthogonal(n: number, rng: Rng): Float32Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      let dot = 0;
      for (let c = 0; c < n; c++) dot += q[ri + c]! * q[rj + c]!;
      for (let c = 0; c < n; c++) q[ri + c] = q[ri + c]! - dot * q[rj + c]!;
    }
    let norm = 0;
    for (let c = 0; c < n; c++) norm += q[ri + c]! * q[ri + c]!;
    norm = Math.sqrt(norm);
    // A normal matrix is singular with probability 0; the guard only keeps NaN out.
    const inv = norm > 1e-12 ? 1 / norm : 0;
    for (let c = 0; c < n; c++) q[ri + c] = q[ri + c]! * inv;
  }
  return Float32Array.from(q);
}
