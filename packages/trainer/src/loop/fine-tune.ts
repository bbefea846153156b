import {
  checkTrainableGates,
  EMBEDDING_WEIGHT,
  initParams,
  layerParamNames,
  type ModelConfig,
  type ModelFile,
  type NamedTensors,
  OUTPUT_BIAS,
  OUTPUT_WEIGHT,
} from "@charrnn/models";
import { loadModel } from "@charrnn/models/node";
import { CharrnnError, CharrnnRangeError, type Rng, Vocab } from "@charrnn/vocab";
import type { TrainSettings } from "./settings";

/** A model to start from, as `train` loads it for `initFrom`. */
export interface InitModel {
  path: string;
  config: ModelConfig;
  vocab: Vocab;
  params: NamedTensors;
}

/**
 * Settings fixed by the model's architecture: a fine-tune takes them from the model, and a given
 * value that differs is refused naming it (a flag, in the CLI).
 */
export const INIT_FIXED_SETTINGS = ["cell", "layers", "hidden", "input", "embed", "level"] as const;

/** Loads the model file (or a run directory's `model.safetensors`) of any engine to fine-tune. */
export async function loadInitModel(path: string): Promise<InitModel> {
  const file: ModelFile = await loadModel(path);
  if (file.config.head?.kind === "classifier") {
    throw new CharrnnError(
      "INIT_FROM_CLASSIFIER",
      `--init-from ${path} is a classifier; fine-tuning a language model needs a language model`,
    );
  }
  checkTrainableGates(file.config, `--init-from ${path}: charrnn's training engines`);
  return { path, config: file.config, vocab: Vocab.fromJSON(file.vocab), params: file.params };
}

/**
 * The settings of a fine-tune: the model's architecture, then `given` on top. A given architecture
 * setting that differs from the model's is a `CharrnnRangeError` naming it.
 */
export function initSettings(model: InitModel, given: Partial<TrainSettings>): Partial<TrainSettings> {
  const { config } = model;
  const fromModel: Partial<TrainSettings> = {
    cell: config.cell,
    layers: config.layers,
    hidden: config.hidden,
    input: config.input,
    level: model.vocab.level,
    init: config.init,
    forgetBias: config.forgetBias,
  };
  if (config.embed !== undefined) fromModel.embed = config.embed;
  for (const key of INIT_FIXED_SETTINGS) {
    const value = given[key];
    if (value !== undefined && value !== fromModel[key]) {
      throw new CharrnnRangeError(
        key,
        `${JSON.stringify(fromModel[key])} as in the model ${model.path} (fine-tuning keeps its architecture; drop the option)`,
        value,
      );
    }
  }
  return { ...fromModel, ...given };
}

/**
 * The model's weights for `config` (its vocabulary grown from `oldSize` to `config.vocabSize`): every
 * tensor is copied, and the rows (one-hot: columns) of the new tokens are drawn by the model's init
 * scheme from `rng` — except the output bias, which starts new tokens rare: at the lowest old bias
 * minus ln(oldSize), so each new token begins less likely than the rarest old one (by about the
 * old vocabulary's size) until the new text teaches it.
 */
export function growParams(
  config: ModelConfig,
  params: NamedTensors,
  oldSize: number,
  rng: Rng,
): NamedTensors {
  const V = config.vocabSize;
  if (V === oldSize) return params;
  const fresh = initParams(config, rng);
  const out: NamedTensors = new Map();
  const copyRows = (name: string, width: number): void => {
    const t = fresh.get(name)!;
    t.data.set(params.get(name)!.data.subarray(0, oldSize * width));
    out.set(name, t);
  };
  for (const [name, t] of params) out.set(name, { shape: [...t.shape], data: t.data.slice() });
  if (config.input === "embedding") copyRows(EMBEDDING_WEIGHT, config.embed!);
  else {
    // One-hot input: token v is column v of the first layer's input weights [G·H, V].
    const name = layerParamNames(0).weightIh;
    const grown = fresh.get(name)!;
    const old = params.get(name)!.data;
    const rows = grown.shape[0]!;
    for (let r = 0; r < rows; r++) grown.data.set(old.subarray(r * oldSize, (r + 1) * oldSize), r * V);
    out.set(name, grown);
  }
  copyRows(OUTPUT_WEIGHT, config.hidden);
  const bias = fresh.get(OUTPUT_BIAS)!;
  const oldBias = params.get(OUTPUT_BIAS)!.data;
  bias.data.set(oldBias);
  let lowest = Infinity;
  for (const b of oldBias) lowest = Math.min(lowest, b);
  bias.data.fill(lowest - Math.log(oldSize), oldSize);
  out.set(OUTPUT_BIAS, bias);
  return out;
}
