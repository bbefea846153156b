import { CharrnnError } from "@charrnn/core";
import type { CellType, GateActivation, ModelConfig } from "../config";
import { validateConfig } from "../config";
import { fromKerasLayer, transpose } from "../gate-layout";
import type { ModelFile, ModelVocabJSON } from "../model-file";
import type { NamedTensors, Tensor } from "../tensor";
import { tensorSize } from "../tensor";
import { EMBEDDING_WEIGHT, OUTPUT_BIAS, OUTPUT_WEIGHT, validateParams } from "../weight-layout";
import { TFJS_FORMAT } from "./tfjs-export";
import { type KerasLayerJSON, TFJS_METADATA_KEY, type TfjsLayersModel } from "./tfjs-format";
import { gruStepParams } from "./tfjs-gru-step";

/** Options of {@link fromTfjsLayersModel}. */
export interface TfjsImportOptions {
  /** The vocabulary (index = token id); required unless the model is a charrnn export carrying one. */
  vocab?: ModelVocabJSON;
  /** Names the model (its directory) in errors. @defaultValue "the TF.js model" */
  source?: string;
}

const CELL_OF: Readonly<Record<string, CellType>> = { LSTM: "lstm", GRU: "gru", SimpleRNN: "rnn" };
/** Layers that do nothing at inference. */
const SKIPPED = new Set(["InputLayer", "Dropout", "SpatialDropout1D"]);

/**
 * Reads a TF.js layers model of the shape the TF.js text-generation examples build — an optional
 * `Embedding` (else one-hot input), stacked `LSTM`/`GRU`/`SimpleRNN` of one width, a `Dense` output
 * (linear or softmax: either way its pre-activation is our logits), `Dropout` ignored — into a charrnn
 * model. tfjs-layers' default `recurrentActivation`, the hard sigmoid, is kept as
 * `config.gateActivation: "hardSigmoid"`. Refused (`TFJS_UNSUPPORTED`, naming the layer) when it cannot
 * be converted exactly: Keras 3's hard sigmoid (a different slope), `reset_after=false` GRUs (tfjs-layers' only kind), other activations, mixed cells or widths, bidirectional
 * or backwards layers, quantized weights.
 */
export function fromTfjsLayersModel(model: TfjsLayersModel, options: TfjsImportOptions = {}): ModelFile {
  const source = options.source ?? "the TF.js model";
  const fail = (detail: string) => new CharrnnError("TFJS_UNSUPPORTED", `${source}: ${detail}`);
  const weights = readWeights(model, source);
  const exported = charrnnExport(model);
  if (exported?.config.cell === "gru") return fromGruStepExport(exported, weights, options.vocab, source);
  const layers = topologyLayers(model, source);
  const layerWeights = (layer: KerasLayerJSON): Map<string, Tensor> => {
    const name = layerName(layer);
    const out = new Map<string, Tensor>();
    for (const [weight, tensor] of weights) {
      if (weight.startsWith(`${name}/`)) out.set(weight.slice(weight.lastIndexOf("/") + 1), tensor);
    }
    return out;
  };

  let embedding: Tensor | undefined;
  const recurrent: { layer: KerasLayerJSON; cell: CellType; gate: GateActivation }[] = [];
  const keras3 = /^3\./.test(String(model.modelJson?.modelTopology?.keras_version ?? ""));
  let dense: KerasLayerJSON | undefined;
  for (const layer of layers) {
    const kind = layer.class_name;
    if (SKIPPED.has(kind)) continue;
    if (kind === "Activation" && layer.config.activation === "softmax" && dense) continue;
    if (dense)
      throw fail(
        `layer '${layerName(layer)}' (${kind}) follows the output Dense layer; charrnn models end with it`,
      );
    if (kind === "Embedding") {
      if (embedding || recurrent.length > 0)
        throw fail(`layer '${layerName(layer)}': only one Embedding, first`);
      embedding = layerWeights(layer).get("embeddings");
      if (!embedding) throw fail(`Embedding '${layerName(layer)}' has no embeddings weight in the manifest`);
    } else if (kind in CELL_OF) {
      recurrent.push({ layer, ...checkRecurrent(layer, keras3, fail) });
    } else if (kind === "Dense") {
      const activation = layer.config.activation ?? "linear";
      if (activation !== "linear" && activation !== "softmax") {
        throw fail(
          `Dense '${layerName(layer)}' has activation ${JSON.stringify(activation)}; only linear or softmax outputs are logits`,
        );
      }
      dense = layer;
    } else {
      throw fail(
        `layer '${layerName(layer)}' is a ${kind}; charrnn reads Embedding (optional), LSTM/GRU/SimpleRNN layers and a Dense output`,
      );
    }
  }
  if (recurrent.length === 0) throw fail("it has no LSTM, GRU or SimpleRNN layer");
  if (!dense) throw fail("it has no Dense output layer");
  const { cell, gate } = recurrent[0]!;
  const hidden = Number(recurrent[0]!.layer.config.units);
  for (const r of recurrent) {
    if (r.cell !== cell || Number(r.layer.config.units) !== hidden) {
      throw fail(
        `layer '${layerName(r.layer)}' is a ${r.layer.class_name} of ${r.layer.config.units} units; charrnn stacks layers of one cell and width (${cell}, ${hidden})`,
      );
    }
    if (r.gate !== gate) {
      throw fail(
        `layer '${layerName(r.layer)}' has ${r.gate} gates but '${layerName(recurrent[0]!.layer)}' has ${gate}; charrnn models use one gate activation in every layer`,
      );
    }
  }
  const denseWeights = layerWeights(dense);
  const kernel = denseWeights.get("kernel");
  if (kernel?.shape.length !== 2 || kernel.shape[0] !== hidden) {
    throw fail(`Dense '${layerName(dense)}' needs a [${hidden}, vocab] kernel`);
  }
  const vocabSize = kernel.shape[1]!;
  const identityEmbedding = embedding !== undefined && isIdentity(embedding);
  const onehot = embedding === undefined || identityEmbedding;
  const config = validateConfig({
    cell,
    layers: recurrent.length,
    hidden,
    vocabSize,
    input: onehot ? "onehot" : "embedding",
    ...(onehot ? {} : { embed: embedding!.shape[1]! }),
    dropout: 0,
    init: { kind: "glorot" },
    forgetBias: 0,
    ...(gate === "hardSigmoid" ? { gateActivation: gate } : {}),
  } as ModelConfig);

  const params: NamedTensors = new Map();
  if (!onehot) params.set(EMBEDDING_WEIGHT, embedding!);
  recurrent.forEach(({ layer }, k) => {
    const w = layerWeights(layer);
    const kernelK = w.get("kernel");
    const recurrentK = w.get("recurrent_kernel");
    if (!kernelK || !recurrentK)
      throw fail(`layer '${layerName(layer)}' has no kernel/recurrent_kernel in the manifest`);
    const gh = recurrentK.shape[1] ?? 0;
    const bias = w.get("bias") ?? zeros(layer.config.reset_after === true ? [2, gh] : [gh]);
    try {
      for (const [name, t] of fromKerasLayer(
        config,
        { kernel: kernelK, recurrentKernel: recurrentK, bias },
        k,
      )) {
        params.set(name, t);
      }
    } catch (error) {
      throw fail(`layer '${layerName(layer)}': ${(error as Error).message}`);
    }
  });
  params.set(OUTPUT_WEIGHT, { shape: [vocabSize, hidden], data: transpose(kernel.data, hidden, vocabSize) });
  params.set(OUTPUT_BIAS, denseWeights.get("bias") ?? zeros([vocabSize]));
  validateParams(config, params, source);

  const vocab = options.vocab ?? exportedVocab(model);
  if (!vocab) {
    throw new CharrnnError(
      "TFJS_NO_VOCAB",
      `${source} carries no vocabulary; pass --vocab FILE (a JSON array of tokens, index = id)`,
    );
  }
  if (vocab.tokens.length !== vocabSize) {
    throw new CharrnnError(
      "MODEL_VOCAB_MISMATCH",
      `${source} predicts ${vocabSize} tokens but the vocabulary has ${vocab.tokens.length}; pass the vocabulary the model was trained with`,
    );
  }
  return { config, vocab, params, metadata: { importedFrom: "tfjs-layers" } };
}

function checkRecurrent(
  layer: KerasLayerJSON,
  keras3: boolean,
  fail: (d: string) => CharrnnError,
): { cell: CellType; gate: GateActivation } {
  const c = layer.config;
  const name = layerName(layer);
  const cell = CELL_OF[layer.class_name]!;
  if ((c.activation ?? "tanh") !== "tanh")
    throw fail(
      `${layer.class_name} '${name}' has activation ${JSON.stringify(c.activation)}; charrnn's cells use tanh`,
    );
  let gate: GateActivation = "sigmoid";
  if (cell !== "rnn") {
    // tfjs-layers defaults recurrentActivation to hardSigmoid; Keras 2+ to sigmoid.
    const activation = c.recurrent_activation ?? "hard_sigmoid";
    // Keras 3's hard_sigmoid is relu6(x + 3) / 6, not tfjs-layers' (and Keras 2's) 0.2·x + 0.5.
    if (activation === "hard_sigmoid" && !keras3) gate = "hardSigmoid";
    else if (activation !== "sigmoid") {
      throw fail(
        `${layer.class_name} '${name}' has recurrent_activation ${JSON.stringify(activation)}${keras3 ? " (Keras 3's)" : ""}; charrnn's gates are the logistic sigmoid or tfjs-layers' hard sigmoid (0.2·x + 0.5), so it cannot load this model exactly: rebuild the layer with recurrentActivation: 'sigmoid' or 'hardSigmoid' and retrain or fine-tune`,
      );
    }
  }
  if (cell === "gru" && c.reset_after !== true) {
    throw fail(
      `GRU '${name}' has reset_after=false (tfjs-layers' only kind): the reset gate applies before the recurrent matmul, a different function from charrnn's (PyTorch/ONNX) GRU; use an LSTM, or a Keras GRU with reset_after=True`,
    );
  }
  if (c.go_backwards === true)
    throw fail(`${layer.class_name} '${name}' runs backwards; charrnn reads forward layers`);
  return { cell, gate };
}

function layerName(layer: KerasLayerJSON): string {
  return String(layer.name ?? layer.config.name ?? layer.class_name);
}

function topologyLayers(model: TfjsLayersModel, source: string): KerasLayerJSON[] {
  const topology = model.modelJson?.modelTopology;
  // Older Sequential files have the layer list as `config` itself; Keras 2.x wraps it in `config.layers`.
  const config = topology?.config as { layers?: unknown } | unknown[] | undefined;
  const layers = Array.isArray(config) ? config : (config as { layers?: unknown } | undefined)?.layers;
  if (!Array.isArray(layers)) {
    throw new CharrnnError(
      "TFJS_INVALID",
      `${source}/model.json has no modelTopology layers; is it a TF.js layers model (not a graph model)?`,
    );
  }
  return layers as KerasLayerJSON[];
}

/** Every manifest weight as float32, named as in the manifest. */
function readWeights(model: TfjsLayersModel, source: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const manifest = model.modelJson?.weightsManifest;
  if (!Array.isArray(manifest))
    throw new CharrnnError("TFJS_INVALID", `${source}/model.json has no weightsManifest`);
  for (const group of manifest) {
    const parts = group.paths.map((path) => {
      const bytes = model.shards.get(path);
      if (!bytes) throw new CharrnnError("TFJS_INVALID", `${source}: weight shard ${path} is missing`);
      return bytes;
    });
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.byteLength;
    }
    const view = new DataView(all.buffer);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.quantization !== undefined || spec.dtype !== "float32") {
        throw new CharrnnError(
          "TFJS_UNSUPPORTED",
          `${source}: weight ${spec.name} is ${spec.quantization ? "quantized" : spec.dtype}; charrnn reads float32 weights, re-save the model without quantization`,
        );
      }
      const n = tensorSize(spec.shape);
      if (offset + n * 4 > total) {
        throw new CharrnnError(
          "TFJS_INVALID",
          `${source}: the weight shards end before weight ${spec.name}; the files are truncated`,
        );
      }
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(offset + i * 4, true);
      out.set(spec.name, { shape: [...spec.shape], data });
      offset += n * 4;
    }
  }
  return out;
}

/** A charrnn export's metadata (`config` and `vocab` included), or undefined for other models. */
function charrnnExport(model: TfjsLayersModel): { config: ModelConfig; vocab?: ModelVocabJSON } | undefined {
  const meta = model.modelJson?.userDefinedMetadata?.[TFJS_METADATA_KEY] as
    | { format?: unknown; config?: ModelConfig; vocab?: ModelVocabJSON }
    | undefined;
  return meta?.format === TFJS_FORMAT && meta.config !== undefined
    ? { config: meta.config, ...(meta.vocab ? { vocab: meta.vocab } : {}) }
    : undefined;
}

/** charrnn's own GRU export (standard layers, one step per call; see `gruStepLayers`). */
function fromGruStepExport(
  exported: { config: ModelConfig; vocab?: ModelVocabJSON },
  weights: Map<string, Tensor>,
  vocabOption: ModelVocabJSON | undefined,
  source: string,
): ModelFile {
  const config = validateConfig(exported.config);
  const weight = (name: string): Tensor => {
    const t = weights.get(name);
    if (!t)
      throw new CharrnnError("TFJS_INVALID", `${source}: weight ${name} of charrnn's GRU export is missing`);
    return t;
  };
  const params = gruStepParams(config, weight);
  if (config.input === "embedding") params.set(EMBEDDING_WEIGHT, weight("embedding/embeddings"));
  const H = config.hidden;
  const V = config.vocabSize;
  params.set(OUTPUT_WEIGHT, { shape: [V, H], data: transpose(weight("output/kernel").data, H, V) });
  params.set(OUTPUT_BIAS, weight("output/bias"));
  validateParams(config, params, source);
  const vocab = vocabOption ?? exported.vocab;
  if (!vocab || vocab.tokens.length !== V) {
    throw new CharrnnError(
      "MODEL_VOCAB_MISMATCH",
      `${source} predicts ${V} tokens but the vocabulary has ${vocab?.tokens.length ?? 0}; pass the vocabulary the model was trained with`,
    );
  }
  return { config, vocab, params, metadata: { importedFrom: "tfjs-layers" } };
}

function exportedVocab(model: TfjsLayersModel): ModelVocabJSON | undefined {
  const meta = model.modelJson.userDefinedMetadata?.[TFJS_METADATA_KEY] as
    | { vocab?: ModelVocabJSON }
    | undefined;
  return meta?.vocab;
}

function isIdentity(t: Tensor): boolean {
  const [rows, cols] = t.shape;
  if (rows !== cols) return false;
  for (let r = 0; r < rows!; r++) {
    for (let c = 0; c < cols!; c++) if (t.data[r * cols! + c] !== (r === c ? 1 : 0)) return false;
  }
  return true;
}

function zeros(shape: number[]): Tensor {
  return { shape, data: new Float32Array(tensorSize(shape)) };
}
