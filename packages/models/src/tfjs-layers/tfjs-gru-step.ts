import type { ModelConfig } from "../config";
import { gateActivation, layerInputSize } from "../config";
import { joinGates, splitGates, transpose } from "../gate-layout";
import type { NamedTensors, Tensor } from "../tensor";
import type { KerasLayerJSON } from "./tfjs-format";

/** A Keras `InputLayer`. */
export function inputLayer(name: string, shape: (number | null)[], dtype: string): KerasLayerJSON {
  return {
    class_name: "InputLayer",
    name,
    config: { name, batch_input_shape: shape, dtype, sparse: false },
    inbound_nodes: [],
  };
}

/**
 * The recurrent layers of a GRU export, one time step, from standard Keras layers only (tfjs-layers'
 * own GRU is reset_after=false, a different function): per layer `k`, with input `x` and state `h`,
 *   r = σ(Dense([x; h]))   z = σ(Dense([x; h]))   1 − z = σ(−(…)) (a Dense with negated weights:
 *   tfjs-layers has no Subtract)   n = tanh(Dense(x) + r · Dense(h))   h' = (1 − z) · n + z · h.
 * σ is the model's gate activation (`hard_sigmoid` for hard-sigmoid models: 1 − hσ(a) = hσ(−a) too).
 * `x` is `previous` (the embedded token, `[batch, in]`); the state inputs are `h0_l{k}`.
 * Returns the layers and each layer's new state (a layer name, output 0).
 */
export function gruStepLayers(
  config: ModelConfig,
  params: NamedTensors,
  previous: string,
  addWeight: (name: string, t: Tensor) => void,
): { layers: KerasLayerJSON[]; states: string[] } {
  const H = config.hidden;
  const gate = gateActivation(config) === "hardSigmoid" ? "hard_sigmoid" : "sigmoid";
  const layers: KerasLayerJSON[] = [];
  const states: string[] = [];
  const add = (class_name: string, name: string, inputs: string[], config: Record<string, unknown> = {}) =>
    layers.push({
      class_name,
      name,
      config: { name, trainable: true, ...config },
      inbound_nodes: [inputs.map((i) => [i, 0, 0, {}])],
    });
  const dense = (name: string, input: string, kernel: Tensor, bias: Tensor) => {
    add("Dense", name, [input], { units: H, activation: "linear", use_bias: true });
    addWeight(`${name}/kernel`, kernel);
    addWeight(`${name}/bias`, bias);
  };
  const sum = (a: Float32Array, b: Float32Array, sign = 1): Tensor => ({
    shape: [a.length],
    data: a.map((v, i) => sign * (v + b[i]!)),
  });
  /** Kernel `[in + H, H]` of a Dense over `[x; h]`: `W_ih`ᵀ rows then `W_hh`ᵀ rows. */
  const stacked = (wih: Tensor, whh: Tensor, inSize: number, sign = 1): Tensor => {
    const data = new Float32Array((inSize + H) * H);
    data.set(transpose(wih.data, H, inSize), 0);
    data.set(transpose(whh.data, H, H), inSize * H);
    if (sign < 0) for (let i = 0; i < data.length; i++) data[i] = -data[i]!;
    return { shape: [inSize + H, H], data };
  };

  let x = previous;
  for (let k = 0; k < config.layers; k++) {
    const inSize = layerInputSize(config, k);
    const gates = splitGates(config, params, k);
    const [r, z, n] = [gates.r!, gates.z!, gates.n!];
    const h = `h0_l${k}`;
    const p = `gru_l${k}`;
    layers.push(inputLayer(h, [null, H], "float32"));
    add("Concatenate", `${p}_xh`, [x, h], { axis: -1 });
    dense(`${p}_r_pre`, `${p}_xh`, stacked(r.wih, r.whh, inSize), sum(r.bih.data, r.bhh.data));
    dense(`${p}_z_pre`, `${p}_xh`, stacked(z.wih, z.whh, inSize), sum(z.bih.data, z.bhh.data));
    dense(`${p}_u_pre`, `${p}_xh`, stacked(z.wih, z.whh, inSize, -1), sum(z.bih.data, z.bhh.data, -1));
    for (const g of ["r", "z", "u"]) add("Activation", `${p}_${g}`, [`${p}_${g}_pre`], { activation: gate });
    dense(`${p}_n_x`, x, { shape: [inSize, H], data: transpose(n.wih.data, H, inSize) }, n.bih);
    dense(`${p}_n_h`, h, { shape: [H, H], data: transpose(n.whh.data, H, H) }, n.bhh);
    add("Multiply", `${p}_r_nh`, [`${p}_r`, `${p}_n_h`]);
    add("Add", `${p}_n_pre`, [`${p}_n_x`, `${p}_r_nh`]);
    add("Activation", `${p}_n`, [`${p}_n_pre`], { activation: "tanh" });
    add("Multiply", `${p}_un`, [`${p}_u`, `${p}_n`]);
    add("Multiply", `${p}_zh`, [`${p}_z`, h]);
    add("Add", `h_l${k}`, [`${p}_un`, `${p}_zh`]);
    states.push(`h_l${k}`);
    x = `h_l${k}`;
  }
  return { layers, states };
}

/**
 * Reads the recurrent weights of a {@link gruStepLayers} export back into our layout (the merged r and
 * z biases go to `bias_ih`, `bias_hh` zero there: the same function). `weight(name)` throws when absent.
 */
export function gruStepParams(config: ModelConfig, weight: (name: string) => Tensor): NamedTensors {
  const H = config.hidden;
  const params: NamedTensors = new Map();
  const zeros = new Float32Array(H);
  for (let k = 0; k < config.layers; k++) {
    const inSize = layerInputSize(config, k);
    const p = `gru_l${k}`;
    /** A `[in + H, H]` Dense over `[x; h]` back to `W_ih` `[H, in]` and `W_hh` `[H, H]`. */
    const unstack = (name: string) => {
      const kernel = weight(`${name}/kernel`).data;
      return {
        wih: { shape: [H, inSize], data: transpose(kernel.subarray(0, inSize * H), inSize, H) },
        whh: { shape: [H, H], data: transpose(kernel.subarray(inSize * H), H, H) },
        bih: weight(`${name}/bias`),
        bhh: { shape: [H], data: zeros },
      };
    };
    const nx = weight(`${p}_n_x/kernel`).data;
    const nh = weight(`${p}_n_h/kernel`).data;
    const n = {
      wih: { shape: [H, inSize], data: transpose(nx, inSize, H) },
      whh: { shape: [H, H], data: transpose(nh, H, H) },
      bih: weight(`${p}_n_x/bias`),
      bhh: weight(`${p}_n_h/bias`),
    };
    for (const [name, t] of joinGates(config, { r: unstack(`${p}_r_pre`), z: unstack(`${p}_z_pre`), n }, k)) {
      params.set(name, t);
    }
  }
  return params;
}
