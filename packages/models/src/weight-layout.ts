import { CharrnnError } from "@charrnn/core";
import type { ModelConfig } from "./config";
import { gateCount, layerInputSize } from "./config";
import type { NamedTensors } from "./tensor";
import { tensorSize } from "./tensor";

/** Name of the embedding table `[V, E]` (only with `input: "embedding"`). */
export const EMBEDDING_WEIGHT = "embedding.weight";
/** Name of the output projection `[V, H]`. */
export const OUTPUT_WEIGHT = "output.weight";
/** Name of the output bias `[V]`. */
export const OUTPUT_BIAS = "output.bias";
/** Name of a classifier's label projection `[labels, H]` (replaces `output.weight` for classifier heads). */
export const CLASSIFIER_WEIGHT = "classifier.weight";
/** Name of a classifier's label bias `[labels]` (replaces `output.bias` for classifier heads). */
export const CLASSIFIER_BIAS = "classifier.bias";

/**
 * The labels of a classifier config, or `undefined` for a language model. A classifier's head reads
 * the pooled top-layer state and projects it onto the labels with `classifier.weight`/`classifier.bias`.
 */
export function classifierLabels(config: ModelConfig): readonly string[] | undefined {
  return config.head?.kind === "classifier" ? config.head.labels : undefined;
}

/** Names and shapes of the head's projection: `output.*` `[V, H]`, or `classifier.*` `[labels, H]`. */
export function headParams(config: ModelConfig): { weight: string; bias: string; rows: number } {
  const labels = classifierLabels(config);
  return labels === undefined
    ? { weight: OUTPUT_WEIGHT, bias: OUTPUT_BIAS, rows: config.vocabSize }
    : { weight: CLASSIFIER_WEIGHT, bias: CLASSIFIER_BIAS, rows: labels.length };
}

/** The four recurrent tensor names of layer `layer`, PyTorch-style. */
export function layerParamNames(layer: number): {
  weightIh: string;
  weightHh: string;
  biasIh: string;
  biasHh: string;
} {
  return {
    weightIh: `rnn.weight_ih_l${layer}`,
    weightHh: `rnn.weight_hh_l${layer}`,
    biasIh: `rnn.bias_ih_l${layer}`,
    biasHh: `rnn.bias_hh_l${layer}`,
  };
}

/**
 * Every parameter's shape, in the fixed layout order: embedding, then per layer weight_ih, weight_hh,
 * bias_ih, bias_hh, then output weight and bias (`classifier.weight [labels, H]` and `classifier.bias
 * [labels]` instead for a classifier head). Model files and checkpoints store tensors in this order.
 */
export function expectedShapes(config: ModelConfig): Map<string, number[]> {
  const { hidden: h, vocabSize: v } = config;
  const gh = gateCount(config.cell) * h;
  const shapes = new Map<string, number[]>();
  if (config.input === "embedding") shapes.set(EMBEDDING_WEIGHT, [v, config.embed ?? 0]);
  for (let k = 0; k < config.layers; k++) {
    const names = layerParamNames(k);
    shapes.set(names.weightIh, [gh, layerInputSize(config, k)]);
    shapes.set(names.weightHh, [gh, h]);
    shapes.set(names.biasIh, [gh]);
    shapes.set(names.biasHh, [gh]);
  }
  const head = headParams(config);
  shapes.set(head.weight, [head.rows, h]);
  shapes.set(head.bias, [head.rows]);
  return shapes;
}

/** Parameter names in layout order. */
export function paramNames(config: ModelConfig): string[] {
  return [...expectedShapes(config).keys()];
}

/** Total number of scalar parameters. */
export function paramCount(config: ModelConfig): number {
  let n = 0;
  for (const shape of expectedShapes(config).values()) n += tensorSize(shape);
  return n;
}

/**
 * Checks that `params` holds exactly the tensors of `config`'s layout with the right shapes and
 * finite values. Throws `CharrnnError` `MODEL_SHAPE_MISMATCH` (missing, unexpected or misshapen
 * tensor) or `MODEL_NONFINITE`. `source` (a file name) prefixes the messages.
 */
export function validateParams(config: ModelConfig, params: NamedTensors, source?: string): void {
  const where = source === undefined ? "" : `${source}: `;
  const shapes = expectedShapes(config);
  for (const [name, shape] of shapes) {
    const tensor = params.get(name);
    if (tensor === undefined) {
      throw new CharrnnError(
        "MODEL_SHAPE_MISMATCH",
        `${where}tensor '${name}' ${fmtShape(shape)} is missing for a ${describe(config)} model`,
      );
    }
    if (!sameShape(tensor.shape, shape)) {
      throw new CharrnnError(
        "MODEL_SHAPE_MISMATCH",
        `${where}tensor '${name}' has shape ${fmtShape(tensor.shape)} but a ${describe(config)} model needs ${fmtShape(shape)}; check the config (cell, layers, hidden, embed, vocabSize)`,
      );
    }
    if (tensor.data.length !== tensorSize(shape)) {
      throw new CharrnnError(
        "MODEL_SHAPE_MISMATCH",
        `${where}tensor '${name}' has ${tensor.data.length} values but shape ${fmtShape(shape)} needs ${tensorSize(shape)}`,
      );
    }
    const data = tensor.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        throw new CharrnnError(
          "MODEL_NONFINITE",
          `${where}tensor '${name}' holds a non-finite value (${data[i]}) at index ${i}; the model diverged, restore an earlier checkpoint`,
        );
      }
    }
  }
  for (const name of params.keys()) {
    if (!shapes.has(name)) {
      throw new CharrnnError(
        "MODEL_SHAPE_MISMATCH",
        `${where}unexpected tensor '${name}' for a ${describe(config)} model (expected ${[...shapes.keys()].join(", ")})`,
      );
    }
  }
}

/** `[2, 3]`-style shape text for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (!Array.isArray(a) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describe(config: ModelConfig): string {
  const input = config.input === "embedding" ? `embed=${config.embed}` : "onehot";
  return `${config.cell} layers=${config.layers} hidden=${config.hidden} vocabSize=${config.vocabSize} ${input}`;
}
