import {
  type NamedTensors,
  type RnnState,
  referenceForward,
  referenceLossAndGrads,
  softmaxCrossEntropy,
  validateParams,
} from "@charrnn/models";
import { CharrnnError } from "@charrnn/vocab";
import { clipGradients } from "../optim/clip";
import { createOptimizer } from "../optim/optimizer";
import type { EngineOptions, LossAndGradsResult, TrainingEngine } from "./types";
import { checkBatch, checkEngineInputs } from "./window";

/** The reference engine; `lossAndGrads` is always present. */
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
  checkEngineInputs(config, options.params);
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
      checkBatch(config, batch);
      const dropout = config.dropout > 0 ? { rate: config.dropout, seed: opts.dropoutSeed } : undefined;
      const out = referenceLossAndGrads(config, params, batch, state, { dropout });
      const gradNorm = clipGradients(out.grads, opts.clipNorm);
      optimizer.apply(params, out.grads, opts.lr);
      return { loss: out.loss, gradNorm, state: out.state };
    },

    async evaluate(batch, state) {
      enter();
      checkBatch(config, batch);
      const out = referenceForward(config, params, batch.x, batch.batch, batch.steps, state);
      const ce = softmaxCrossEntropy(out.cache.logits, batch.y, config.vocabSize, batch.mask);
      return { lossSum: ce.lossSum, count: ce.weightSum, state: out.state };
    },

    async lossAndGrads(batch, state: RnnState): Promise<LossAndGradsResult> {
      enter();
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
