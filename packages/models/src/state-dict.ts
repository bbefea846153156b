import { CharrnnError } from "@charrnn/core";
import type { CellType, ModelConfig } from "./config";
import { defaultConfig } from "./config";
import type { NamedTensors, Tensor } from "./tensor";
import { tensorSize } from "./tensor";
import {
  EMBEDDING_WEIGHT,
  layerParamNames,
  OUTPUT_BIAS,
  OUTPUT_WEIGHT,
  validateParams,
} from "./weight-layout";

/** Nested arrays of numbers, as `tensor.tolist()` writes them. */
export type NestedNumbers = number | NestedNumbers[];

/** One state_dict entry: `{ shape, data }` (flat, row-major) or nested arrays. */
export type StateDictValue = { shape: readonly number[]; data: ArrayLike<number> } | NestedNumbers[];

/** A PyTorch `state_dict` as plain data. */
export type StateDict = Record<string, StateDictValue>;

const EMBEDDING_MODULES = new Set(["emb", "embedding", "encoder", "embed"]);
const RECURRENT_MODULES = new Set(["rnn", "lstm", "gru"]);
const OUTPUT_MODULES = new Set(["out", "fc", "decoder", "linear", "output", "head"]);
const RECURRENT_SUFFIX = /^(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)$/;

/**
 * Renames a PyTorch `Embedding → RNN|GRU|LSTM → Linear` state_dict to our layout, without checking
 * shapes. Module names: `emb`/`embedding`/`encoder`/`embed`, `rnn`/`lstm`/`gru`,
 * `out`/`fc`/`decoder`/`linear`/`output`/`head`; leading path parts (`model.`, `module.`) are ignored.
 */
export function mapStateDictNames(dict: StateDict): NamedTensors {
  const out: NamedTensors = new Map();
  const sources = new Map<string, string>();
  for (const key of Object.keys(dict)) {
    const name = ourName(key);
    const previous = sources.get(name);
    if (previous !== undefined) {
      throw new CharrnnError(
        "MODEL_STATE_DICT",
        `state_dict keys '${previous}' and '${key}' both map to '${name}'; keep one of them`,
      );
    }
    sources.set(name, key);
    out.set(name, toTensor(dict[key]!, key));
  }
  return out;
}

/** A PyTorch state_dict as our params for `config`, shapes checked (`validateParams`). */
export function fromPytorchStateDict(config: ModelConfig, dict: StateDict): NamedTensors {
  const params = mapStateDictNames(dict);
  validateParams(config, params, "state_dict");
  return params;
}

/**
 * Infers cell, layers, hidden, embed and vocabSize from a state_dict's shapes. The gate count is
 * `weight_ih_l0` rows / `weight_hh_l0` columns (1 rnn, 3 gru, 4 lstm); pass `cell` to insist on one.
 * Other fields take `defaultConfig`'s defaults.
 */
export function inferConfigFromStateDict(dict: StateDict, options: { cell?: CellType } = {}): ModelConfig {
  const params = mapStateDictNames(dict);
  const whh = params.get(layerParamNames(0).weightHh);
  if (whh === undefined || whh.shape.length !== 2) {
    throw new CharrnnError(
      "MODEL_STATE_DICT",
      "state_dict has no 2-D recurrent weight 'rnn.weight_hh_l0' (or lstm./gru.)",
    );
  }
  const [rows = 0, hidden = 0] = whh.shape;
  const ratio = hidden > 0 ? rows / hidden : 0;
  const inferred: CellType | undefined =
    ratio === 1 ? "rnn" : ratio === 3 ? "gru" : ratio === 4 ? "lstm" : undefined;
  if (inferred === undefined) {
    throw new CharrnnError(
      "MODEL_STATE_DICT",
      `weight_hh_l0 has shape [${whh.shape}]: ${ratio} gates is not rnn (1), gru (3) or lstm (4)`,
    );
  }
  if (options.cell !== undefined && options.cell !== inferred) {
    throw new CharrnnError(
      "MODEL_STATE_DICT",
      `state_dict weights have ${ratio} gate blocks (${inferred}) but cell "${options.cell}" was given`,
    );
  }
  let layers = 0;
  while (params.has(layerParamNames(layers).weightHh)) layers++;
  const out = params.get(OUTPUT_WEIGHT);
  const emb = params.get(EMBEDDING_WEIGHT);
  const vocabSize = out?.shape[0] ?? emb?.shape[0];
  if (vocabSize === undefined) {
    throw new CharrnnError(
      "MODEL_STATE_DICT",
      "state_dict has neither an output nor an embedding weight to size the vocabulary",
    );
  }
  return defaultConfig({
    cell: inferred,
    layers,
    hidden,
    vocabSize,
    input: emb === undefined ? "onehot" : "embedding",
    ...(emb === undefined ? {} : { embed: emb.shape[1] }),
  });
}

function ourName(key: string): string {
  const parts = key.split(".");
  const suffix = parts[parts.length - 1] ?? "";
  const module = (parts[parts.length - 2] ?? "").toLowerCase();
  if (EMBEDDING_MODULES.has(module) && suffix === "weight") return EMBEDDING_WEIGHT;
  if (OUTPUT_MODULES.has(module) && suffix === "weight") return OUTPUT_WEIGHT;
  if (OUTPUT_MODULES.has(module) && suffix === "bias") return OUTPUT_BIAS;
  const m = RECURRENT_MODULES.has(module) ? RECURRENT_SUFFIX.exec(suffix) : null;
  if (m !== null) return `rnn.${m[1]}_l${m[2]}`;
  throw new CharrnnError(
    "MODEL_STATE_DICT",
    `state_dict key '${key}' is not an Embedding/RNN/GRU/LSTM/Linear weight charrnn knows (bidirectional and projected RNNs are not supported); rename it to emb.*, rnn.*_l{k} or out.*`,
  );
}

function toTensor(value: StateDictValue, key: string): Tensor {
  if (Array.isArray(value)) {
    const shape: number[] = [];
    let probe: NestedNumbers = value;
    while (Array.isArray(probe)) {
      shape.push(probe.length);
      probe = probe[0] ?? 0;
    }
    const data = new Float32Array(tensorSize(shape));
    let at = 0;
    const walk = (node: NestedNumbers, depth: number): void => {
      if (depth === shape.length) {
        if (typeof node !== "number") throw ragged(key);
        data[at++] = node;
        return;
      }
      if (!Array.isArray(node) || node.length !== shape[depth]) throw ragged(key);
      for (const child of node) walk(child, depth + 1);
    };
    walk(value, 0);
    return { shape, data };
  }
  if (typeof value !== "object" || value === null || !Array.isArray(value.shape)) {
    throw new CharrnnError(
      "MODEL_STATE_DICT",
      `state_dict entry '${key}' is neither nested arrays nor { shape, data }`,
    );
  }
  const shape = [...value.shape];
  const size = tensorSize(shape);
  if (value.data.length !== size) {
    throw new CharrnnError(
      "MODEL_STATE_DICT",
      `state_dict entry '${key}' has ${value.data.length} values but shape [${shape}] needs ${size}`,
    );
  }
  return { shape, data: Float32Array.from(value.data) };
}

function ragged(key: string): CharrnnError {
  return new CharrnnError(
    "MODEL_STATE_DICT",
    `state_dict entry '${key}' is a ragged nested array, not a tensor`,
  );
}
