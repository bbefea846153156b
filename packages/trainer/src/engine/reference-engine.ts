import { CharrnnError } from "@charrnn/core";
import {
  type NamedTensors,
  type RnnState,
  referenceClassifierForward,
  referenceClassifierLossAndGrads,
  referenceForward,
  referenceLossAndGrads,
  softmaxCrossEntropy,
  validateParams,
} from "@charrnn/models";
import { checkAnyHeadEngineInputs, isClassifier, readClassifierBatch } from "../classify/classifier-batch";
import { clipGradients } from "../optim/clip";
import { createOptimizer } from "../optim/optimizer";
import type { EngineOptions, LossAndGradsResult, TrainingEngine } from "./types";
import { drawWeightDrop, dropWeights, maskWeightGrads } from "./weight-drop";
import { checkBatch } from "./window";

/**
 * The reference engine; `lossAndGrads` is always present. Classifier heads train too (batches as
 * `toClassifierTrainBatch` builds them; `evaluate` then also returns the label logits).
 */
export interface ReferenceEngine extends TrainingEngine {
  lossAndGrads: NonNullable<TrainingEngine["lossAndGrads"]>;
}

/**
 * A plain-TS engine: @charrnn/models' float64 `referenceLossAndGrads` (hand-written BPTT), the TS
 * global-norm clipping and the TS optimizers. Slow but exact; the oracle the TF.js engine is tested
 * against, and usable for tiny models anywhere. Dropout masks are the same as the TF.js engine's.
 */
export function createReferenceEngine(options: EngineOptions): ReferenceEngine {
  const { config } = options;
  checkAnyHeadEngineInputs(config, options.params);
  const classifier = isClassifier(config);
  let params = copyParams(options.params);
  const optimizer = createOptimizer(options.optimizer);
  let disposed = false;
  const enter = (): void => {
    if (disposed)
      throw new CharrnnError("ENGINE_DISPOSED", "the reference engine was disposed; create a new one");
  };

  return {
    name: "reference",
    backend: "js",
    config,

    async trainStep(batch, state, opts) {
      enter();
      const inputRate = config.inputDropout ?? 0;
      const dropout =
        config.dropout > 0 || inputRate > 0
          ? { rate: config.dropout, seed: opts.dropoutSeed, inputRate }
          : undefined;
      // Weight drop: the step runs with W ⊙ m in place of each recurrent weight.
      const drop = drawWeightDrop(config, opts.dropoutSeed);
      const used = drop === undefined ? params : new Map([...params, ...dropWeights(params, drop)]);
      if (classifier) {
        const out = referenceClassifierLossAndGrads(config, used, readClassifierBatch(config, batch), {
          dropout,
        });
        if (drop !== undefined) maskWeightGrads(out.grads, drop);
        const gradNorm = clipGradients(out.grads, opts.clipNorm);
        optimizer.apply(params, out.grads, opts.lr);
        return { loss: out.loss, gradNorm, state };
      }
      checkBatch(config, batch);
      const out = referenceLossAndGrads(config, used, batch, state, { dropout });
      if (drop !== undefined) maskWeightGrads(out.grads, drop);
      const gradNorm = clipGradients(out.grads, opts.clipNorm);
      optimizer.apply(params, out.grads, opts.lr);
      return { loss: out.loss, gradNorm, state: out.state };
    },

    async evaluate(batch, state) {
      enter();
      if (classifier) {
        const c = readClassifierBatch(config, batch);
        const { logits } = referenceClassifierForward(config, params, c.x, c.lengths, c.batch, c.steps);
        const ce = softmaxCrossEntropy(logits, c.labels, logits.length / c.batch, c.weights);
        return { lossSum: ce.lossSum, count: ce.weightSum, state, logits };
      }
      checkBatch(config, batch);
      const out = referenceForward(config, params, batch.x, batch.batch, batch.steps, state);
      const ce = softmaxCrossEntropy(out.cache.logits, batch.y, config.vocabSize, batch.mask);
      return { lossSum: ce.lossSum, count: ce.weightSum, state: out.state };
    },

    async lossAndGrads(batch, state: RnnState): Promise<LossAndGradsResult> {
      enter();
      if (classifier) {
        const out = referenceClassifierLossAndGrads(config, params, readClassifierBatch(config, batch));
        return { loss: out.loss, logits: out.logits, state, grads: out.grads };
      }
      checkBatch(config, batch);
      const out = referenceLossAndGrads(config, params, batch, state);
      return { loss: out.loss, logits: out.logits, state: out.state, grads: out.grads };
    },

    async getParams() {
      enter();
      return copyParams(params);
    },

    async setParams(next) {
      enter();
      validateParams(config, next);
      params = copyParams(next);
    },

    async getOptimizerState() {
      enter();
      return optimizer.getState();
    },

    async setOptimizerState(state) {
      enter();
      optimizer.setState(state);
    },

    dispose() {
      disposed = true;
    },
  };
}

function copyParams(params: NamedTensors): NamedTensors {
  const out: NamedTensors = new Map();
  for (const [name, t] of params) out.set(name, { shape: [...t.shape], data: t.data.slice() });
  return out;
}
