import { CharrnnError } from "@charrnn/core";
import type { ModelConfig } from "../config";
import { gateActivation, validateConfig } from "../config";
import { toKerasLayer, transpose } from "../gate-layout";
import type { ModelVocabJSON } from "../model-file";
import type { NamedTensors, Tensor } from "../tensor";
import { EMBEDDING_WEIGHT, OUTPUT_BIAS, OUTPUT_WEIGHT, validateParams } from "../weight-layout";
import {
  type KerasLayerJSON,
  TFJS_METADATA_KEY,
  TFJS_SHARD_BYTES,
  type TfjsLayersModel,
  type TfjsWeightSpec,
} from "./tfjs-format";
import { gruStepLayers, inputLayer } from "./tfjs-gru-step";

/** `userDefinedMetadata.charrnn.format` of an export. */
export const TFJS_FORMAT = "charrnn-tfjs/1";

/** Keras class of each cell exported as a Keras recurrent layer. GRU has none: see {@link toTfjsLayersModel}. */
const KERAS_CELL = { lstm: "LSTM", rnn: "SimpleRNN" } as const;

/** What `toTfjsLayersModel` converts. */
export interface TfjsExportable {
  config: ModelConfig;
  vocab: ModelVocabJSON;
  params: NamedTensors;
}

/** Input and output names of an export, in `model.predict` order. */
export function tfjsInterface(config: ModelConfig): { inputs: string[]; outputs: string[] } {
  const inputs = ["tokens"];
  const outputs = ["logits"];
  for (let k = 0; k < config.layers; k++) {
    inputs.push(`h0_l${k}`);
    outputs.push(`h_l${k}`);
    if (config.cell === "lstm") {
      inputs.push(`c0_l${k}`);
      outputs.push(`c_l${k}`);
    }
  }
  return { inputs, outputs };
}

/**
 * A language model as a TF.js layers model that `tf.loadLayersModel` loads and runs step by step:
 * inputs `tokens` (int32 `[batch, seq]`) then each layer's state (`h0_l0`, `c0_l0` for LSTM, `h0_l1`, …,
 * each `[batch, hidden]`); outputs `logits` `[batch, seq, vocab]` then each layer's final state in the
 * same order, to feed back as the next call's state. An embedding model keeps its table; a one-hot
 * model gets an identity `Embedding` (a one-hot vector times a matrix is that matrix's row). The
 * config, vocabulary and interface are in `userDefinedMetadata.charrnn`.
 *
 * A GRU runs one step per call: `tokens` is `[batch, 1]` and `logits` `[batch, vocab]`
 * (`userDefinedMetadata.charrnn.steps` is 1). TF.js layers 4.22 implements only `reset_after=false`
 * GRUs (reset gate applied before the recurrent matmul), a different function from charrnn's
 * PyTorch/ONNX GRU, so the cell is built from standard layers instead ({@link gruStepLayers}); no
 * custom class is needed to load it. Classifier heads are refused (export them to ONNX).
 */
export function toTfjsLayersModel(model: TfjsExportable): TfjsLayersModel {
  const config = validateConfig(model.config);
  validateParams(config, model.params);
  if (config.head?.kind === "classifier") {
    throw new CharrnnError("TFJS_UNSUPPORTED", "cannot export a classifier to TF.js; export it with --onnx");
  }
  const { hidden: H, vocabSize: V } = config;
  const weights: { spec: TfjsWeightSpec; data: Float32Array }[] = [];
  const addWeight = (name: string, t: Tensor) =>
    weights.push({ spec: { name, shape: [...t.shape], dtype: "float32" }, data: t.data });

  const gru = config.cell === "gru";
  const layers: KerasLayerJSON[] = [inputLayer("tokens", [null, gru ? 1 : null], "int32")];
  const embedWidth = config.input === "embedding" ? config.embed! : V;
  const table: Tensor = config.input === "embedding" ? model.params.get(EMBEDDING_WEIGHT)! : identity(V);
  layers.push({
    class_name: "Embedding",
    name: "embedding",
    config: {
      name: "embedding",
      input_dim: V,
      output_dim: embedWidth,
      trainable: config.input === "embedding",
      mask_zero: null,
      input_length: null,
    },
    inbound_nodes: [[["tokens", 0, 0, {}]]],
  });
  addWeight("embedding/embeddings", table);

  const outputs: [string, number, number][] = [["output", 0, 0]];
  let previous = "embedding";
  if (gru) {
    layers.push({
      class_name: "Reshape",
      name: "embedded",
      config: { name: "embedded", trainable: true, target_shape: [embedWidth] },
      inbound_nodes: [[["embedding", 0, 0, {}]]],
    });
    const step = gruStepLayers(config, model.params, "embedded", addWeight);
    layers.push(...step.layers);
    for (const state of step.states) outputs.push([state, 0, 0]);
    previous = step.states.at(-1)!;
  } else {
    previous = recurrentLayers(config, model.params, layers, outputs, addWeight);
  }
  layers.push({
    class_name: "Dense",
    name: "output",
    config: { name: "output", trainable: true, units: V, activation: "linear", use_bias: true },
    inbound_nodes: [[[previous, 0, 0, {}]]],
  });
  const outW = model.params.get(OUTPUT_WEIGHT)!;
  addWeight("output/kernel", { shape: [H, V], data: transpose(outW.data, V, H) });
  addWeight("output/bias", model.params.get(OUTPUT_BIAS)!);

  const io = tfjsInterface(config);
  const { paths, shards } = shardWeights(weights.map((w) => w.data));
  return {
    modelJson: {
      format: "layers-model",
      generatedBy: "charrnn",
      convertedBy: null,
      modelTopology: {
        class_name: "Model",
        keras_version: "tfjs-layers 4.22.0",
        backend: "tensor_flow.js",
        config: {
          name: `charrnn_${config.cell}`,
          layers,
          input_layers: io.inputs.map((n) => [n, 0, 0]),
          output_layers: outputs,
        },
      },
      weightsManifest: [{ paths, weights: weights.map((w) => w.spec) }],
      userDefinedMetadata: {
        [TFJS_METADATA_KEY]: {
          format: TFJS_FORMAT,
          config,
          vocab: model.vocab,
          vocabHash: model.vocab.hash ?? null,
          inputs: io.inputs,
          outputs: io.outputs,
          steps: gru ? 1 : null,
        },
      },
    },
    shards,
  };
}

/** LSTM/SimpleRNN layers (Keras' own, initial states as extra inputs); returns the top layer's name. */
function recurrentLayers(
  config: ModelConfig,
  params: NamedTensors,
  layers: KerasLayerJSON[],
  outputs: [string, number, number][],
  addWeight: (name: string, t: Tensor) => void,
): string {
  const H = config.hidden;
  const className = KERAS_CELL[config.cell as "lstm" | "rnn"];
  const stem = className === "LSTM" ? "lstm" : "simple_rnn";
  let previous = "embedding";
  for (let k = 0; k < config.layers; k++) {
    const name = `${stem}_l${k}`;
    const states = config.cell === "lstm" ? [`h0_l${k}`, `c0_l${k}`] : [`h0_l${k}`];
    for (const state of states) layers.push(inputLayer(state, [null, H], "float32"));
    const cellConfig: Record<string, unknown> = {
      name,
      trainable: true,
      units: H,
      activation: "tanh",
      use_bias: true,
      dropout: 0,
      recurrent_dropout: 0,
      return_sequences: true,
      return_state: true,
      go_backwards: false,
      stateful: false,
      unroll: false,
    };
    if (config.cell === "lstm") {
      cellConfig.recurrent_activation = gateActivation(config) === "hardSigmoid" ? "hard_sigmoid" : "sigmoid";
      cellConfig.unit_forget_bias = false;
    }
    layers.push({
      class_name: className,
      name,
      config: cellConfig,
      // Keras passes initial states as extra inputs of the same node; tfjs-layers reads them back so.
      inbound_nodes: [[[previous, 0, 0, {}], ...states.map((s) => [s, 0, 0, {}])]],
    });
    const keras = toKerasLayer(config, params, k);
    addWeight(`${name}/kernel`, keras.kernel);
    addWeight(`${name}/recurrent_kernel`, keras.recurrentKernel);
    addWeight(`${name}/bias`, keras.bias);
    for (let s = 0; s < states.length; s++) outputs.push([name, 0, s + 1]);
    previous = name;
  }
  return previous;
}

function identity(n: number): Tensor {
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return { shape: [n, n], data };
}

/** Concatenates float32 weights (little-endian) and cuts them into `group1-shardXofN.bin` files. */
function shardWeights(parts: Float32Array[]): { paths: string[]; shards: Map<string, Uint8Array> } {
  const total = parts.reduce((n, p) => n + p.length * 4, 0);
  const all = new Uint8Array(total);
  const view = new DataView(all.buffer);
  let at = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) view.setFloat32(at + i * 4, part[i]!, true);
    at += part.length * 4;
  }
  const count = Math.max(1, Math.ceil(total / TFJS_SHARD_BYTES));
  const paths: string[] = [];
  const shards = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const path = `group1-shard${i + 1}of${count}.bin`;
    paths.push(path);
    shards.set(path, all.subarray(i * TFJS_SHARD_BYTES, Math.min(total, (i + 1) * TFJS_SHARD_BYTES)));
  }
  return { paths, shards };
}
