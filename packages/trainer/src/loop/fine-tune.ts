import { CharrnnError, CharrnnRangeError, type Rng } from "@charrnn/core";
import {
  checkTrainableGates,
  classifierLabels,
  EMBEDDING_WEIGHT,
  headParams,
  initParams,
  layerParamNames,
  type ModelConfig,
  type ModelFile,
  type NamedTensors,
  OUTPUT_BIAS,
  OUTPUT_WEIGHT,
} from "@charrnn/models";
import { loadModel } from "@charrnn/models/node";
import { Vocab } from "@charrnn/vocab";
import type { TrainSettings, TrainTask } from "./settings";

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
export async function loadInitModel(path: string, task: TrainTask = "language-model"): Promise<InitModel> {
  const file: ModelFile = await loadModel(path);
  const classifier = file.config.head?.kind === "classifier";
  if (classifier !== (task === "classifier")) {
    throw new CharrnnError(
      "INIT_FROM_TASK",
      classifier
        ? `--init-from ${path} is a classifier; fine-tune it with classify train`
        : `--init-from ${path} is a language model; a classifier fine-tunes from a classifier`,
    );
  }
  checkTrainableGates(file.config, `--init-from ${path}: charrnn's training engines`);
  return { path, config: file.config, vocab: Vocab.fromJSON(file.vocab), params: file.params };
}

/** The labels of a classifier model (empty for a language model). */
export function initLabels(model: InitModel): readonly string[] {
  return classifierLabels(model.config) ?? [];
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
  if (config.head?.kind === "classifier") fromModel.pooling = config.head.pooling;
  for (const key of [...INIT_FIXED_SETTINGS, "pooling"] as const) {
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
 * The model's weights for `config`, whose vocabulary grew from `oldSize` tokens (and a classifier's
 * labels from `oldLabels`): every tensor is copied, and the rows (one-hot: columns) of the new
 * tokens and labels are drawn by the model's init scheme from `rng` — except a language model's
 * output bias for new tokens, which starts them rare: at the lowest old bias minus ln(oldSize), so
 * each new token begins less likely than the rarest old one (by about the old vocabulary's size)
 * until the new text teaches it.
 */
export function growParams(
  config: ModelConfig,
  params: NamedTensors,
  oldSize: number,
  rng: Rng,
  oldLabels = 0,
): NamedTensors {
  const V = config.vocabSize;
  const head = headParams(config);
  const lm = classifierLabels(config) === undefined;
  if (V === oldSize && (lm || head.rows === oldLabels)) return params;
  const fresh = initParams(config, rng);
  const out: NamedTensors = new Map();
  for (const [name, t] of params) out.set(name, { shape: [...t.shape], data: t.data.slice() });
  /** Old rows of `name` (rows of `width` values) over the fresh tensor's new ones. */
  const copyRows = (name: string, rows: number, width: number): void => {
    const t = fresh.get(name)!;
    t.data.set(params.get(name)!.data.subarray(0, rows * width));
    out.set(name, t);
  };
  if (V !== oldSize) {
    if (config.input === "embedding") copyRows(EMBEDDING_WEIGHT, oldSize, config.embed!);
    else {
      // One-hot input: token v is column v of the first layer's input weights [G·H, V].
      const name = layerParamNames(0).weightIh;
      const grown = fresh.get(name)!;
      const old = params.get(name)!.data;
      const rows = grown.shape[0]!;
      for (let r = 0; r < rows; r++) grown.data.set(old.subarray(r * oldSize, (r + 1) * oldSize), r * V);
      out.set(name, grown);
    }
  }
  if (lm && V !== oldSize) {
    copyRows(OUTPUT_WEIGHT, oldSize, config.hidden);
    const bias = fresh.get(OUTPUT_BIAS)!;
    const oldBias = params.get(OUTPUT_BIAS)!.data;
    bias.data.set(oldBias);
    let lowest = Infinity;
    for (const b of oldBias) lowest = Math.min(lowest, b);
    bias.data.fill(lowest - Math.log(oldSize), oldSize);
    out.set(OUTPUT_BIAS, bias);
  }
  if (!lm && head.rows !== oldLabels) {
    copyRows(head.weight, oldLabels, config.hidden);
    copyRows(head.bias, oldLabels, 1);
  }
  return out;
}
