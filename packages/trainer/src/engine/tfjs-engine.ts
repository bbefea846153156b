import { CharrnnError } from "@charrnn/core";
import {
  expectedShapes,
  inputDropoutMask,
  layerDropoutMasks,
  type NamedTensors,
  type RnnState,
  validateParams,
} from "@charrnn/models";
import * as tf from "@tensorflow/tfjs-core";
import { selectBackend, useBackend } from "./backend";
import { backwardWindow, forwardWindow, type TfjsForward, type TfjsWindow } from "./tfjs-model";
import { tfjsOps } from "./tfjs-ops";
import { createTfjsOptimizer } from "./tfjs-optimizer";
import type {
  EngineOptions,
  EvalResult,
  LossAndGradsResult,
  OptimizerState,
  StepOptions,
  TrainBatch,
  TrainingEngine,
  TrainStepResult,
} from "./types";
import { drawWeightDrop, type WeightDrop } from "./weight-drop";
import { checkBatch, checkEngineInputs, checkState, toBatchMajor, toTimeMajor } from "./window";

export interface TfjsEngineOptions extends EngineOptions {
  /** TF.js backend: `auto` (default), `tensorflow`, `wasm` or `cpu`; see `selectBackend`. */
  backend?: string;
  /** Receives the backend selection's decisions. */
  log?: (message: string) => void;
}

/** The TF.js engine; `lossAndGrads` is always present. */
export interface TfjsEngine extends TrainingEngine {
  lossAndGrads(batch: TrainBatch, state: RnnState): Promise<LossAndGradsResult>;
}

/**
 * A training engine on TF.js (tfjs-node, wasm or cpu). Parameters and optimizer slots live on the
 * backend as tf.Variables in PyTorch layout; each step runs the hand-rolled whole-window forward of
 * `forwardWindow`, the hand-written BPTT of `backwardWindow`, global-norm clipping and a fused optimizer update,
 * and reads back only the loss, the gradient norm and the final state.
 */
export async function createTfjsEngine(options: TfjsEngineOptions): Promise<TfjsEngine> {
  const { config } = options;
  checkEngineInputs(config, options.params);
  const { name: backend } = await selectBackend({ backend: options.backend, log: options.log });
  const shapes = expectedShapes(config);
  const vars = new Map<string, tf.Variable>();
  for (const [name, shape] of shapes) {
    // The cpu backend keeps the array it is given: copy so the caller's arrays stay theirs.
    vars.set(name, tf.variable(tf.tensor(options.params.get(name)!.data.slice(), shape), true));
  }
  const varList = [...vars.values()];
  const names = [...vars.keys()];
  const optimizer = createTfjsOptimizer(options.optimizer, vars);
  const ops = tfjsOps(backend);
  const param = (name: string): tf.Tensor => vars.get(name)!;
  let disposed = false;

  const enter = async (): Promise<void> => {
    if (disposed) throw new CharrnnError("ENGINE_DISPOSED", "the tfjs engine was disposed; create a new one");
    await useBackend(backend);
  };

  /** Uploads one window; the caller disposes it. */
  const upload = (batch: TrainBatch, state: RnnState, dropoutSeed?: number): TfjsWindow => {
    checkBatch(config, batch);
    checkState(config, state, batch.batch);
    const { batch: b, steps } = batch;
    const stateShape: [number, number, number] = [config.layers, b, config.hidden];
    const masks =
      dropoutSeed !== undefined && config.dropout > 0
        ? layerDropoutMasks(Float32Array, config, config.dropout, dropoutSeed, steps, b)
        : undefined;
    const hidden = config.hidden;
    const inputRate = config.inputDropout ?? 0;
    const embed = config.embed ?? 0;
    const inputMask =
      dropoutSeed !== undefined && inputRate > 0
        ? inputDropoutMask(Float32Array, config, inputRate, dropoutSeed, steps, b)
        : undefined;
    return {
      batch: b,
      steps,
      inputs: oneHotSteps(batch.x, b, steps, config.vocabSize).map((rows) =>
        tf.tensor2d(rows, [b, config.vocabSize]),
      ),
      targets: tf.tensor1d(toTimeMajor(batch.y, b, steps), "int32"),
      mask: batch.mask === undefined ? undefined : tf.tensor1d(toTimeMajor(batch.mask, b, steps)),
      h0: tf.tensor3d(state.h, stateShape),
      c0: config.cell === "lstm" ? tf.tensor3d(state.c!, stateShape) : undefined,
      // Time-major masks: step t's rows are one contiguous block.
      dropout: masks?.map((m) =>
        Array.from({ length: steps }, (_, t) =>
          tf.tensor2d(m.subarray(t * b * hidden, (t + 1) * b * hidden), [b, hidden]),
        ),
      ),
      inputDropout:
        inputMask &&
        Array.from({ length: steps }, (_, t) =>
          tf.tensor2d(inputMask.subarray(t * b * embed, (t + 1) * b * embed), [b, embed]),
        ),
    };
  };

  const disposeWindow = (win: TfjsWindow): void => {
    tf.dispose([...win.inputs, win.targets, win.h0]);
    if (win.mask) win.mask.dispose();
    if (win.c0) win.c0.dispose();
    if (win.dropout) tf.dispose(win.dropout.flat());
    if (win.inputDropout) tf.dispose(win.inputDropout);
  };

  const readState = async (h: tf.Tensor, c: tf.Tensor | undefined, batch: number): Promise<RnnState> => {
    const state: RnnState = {
      layers: config.layers,
      batch,
      hidden: config.hidden,
      h: new Float32Array(await h.data<"float32">()),
    };
    if (c !== undefined) state.c = new Float32Array(await c.data<"float32">());
    return state;
  };

  /**
   * Forward + hand-written backward; call inside tf.tidy. Gradients come in layout order. With a
   * weight drop the window runs with W ⊙ m in place of each recurrent weight, and the gradient of
   * W is that of W ⊙ m times m.
   */
  const forwardBackward = (
    win: TfjsWindow,
    drop?: WeightDrop,
  ): { fwd: TfjsForward; loss: tf.Scalar; grads: tf.Tensor[] } => {
    const masks = new Map<string, tf.Tensor>(
      drop?.names.map((name, k) => [name, tf.tensor(drop.masks[k]!, shapes.get(name)!)]),
    );
    const dropped = new Map([...masks].map(([name, m]) => [name, tf.mul(param(name), m)]));
    const use = (name: string): tf.Tensor => dropped.get(name) ?? param(name);
    const fwd = forwardWindow(config, use, win, ops, true);
    const named = backwardWindow(config, use, win, fwd, ops);
    const grads = [...vars.keys()].map((name) => {
      const m = masks.get(name);
      return m === undefined ? named.get(name)! : tf.mul(named.get(name)!, m);
    });
    return { fwd, loss: tf.div(fwd.lossSum, fwd.count), grads };
  };

  return {
    name: "tfjs",
    backend,
    config,

    async trainStep(batch: TrainBatch, state: RnnState, opts: StepOptions): Promise<TrainStepResult> {
      await enter();
      const win = upload(batch, state, opts.dropoutSeed);
      const drop = drawWeightDrop(config, opts.dropoutSeed);
      const [lossAndNorm, h, c] = tf.tidy(() => {
        const { fwd, loss, grads } = forwardBackward(win, drop);
        const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
        let update = grads;
        if (opts.clipNorm !== undefined && opts.clipNorm > 0) {
          // As clipGradients / torch's clip_grad_norm_: scale by clip/(norm+1e-6) when that is < 1.
          const scale = tf.minimum(1, tf.div(opts.clipNorm, tf.add(norm, 1e-6)));
          update = grads.map((g) => tf.mul(g, scale));
        }
        optimizer.apply(new Map(names.map((name, i) => [name, update[i]!])), opts.lr);
        return [tf.stack([loss, norm]), fwd.h, fwd.c];
      });
      try {
        const [loss, gradNorm] = await lossAndNorm.data<"float32">();
        return { loss: loss!, gradNorm: gradNorm!, state: await readState(h!, c, batch.batch) };
      } finally {
        disposeWindow(win);
        tf.dispose([lossAndNorm!, h!, ...(c ? [c] : [])]);
      }
    },

    async evaluate(batch: TrainBatch, state: RnnState): Promise<EvalResult> {
      await enter();
      const win = upload(batch, state);
      const fwd = tf.tidy(() => {
        const out = forwardWindow(config, param, win, ops, false);
        return { lossSum: out.lossSum, count: out.count, h: out.h, c: out.c };
      });
      try {
        const lossSum = (await fwd.lossSum.data())[0]!;
        const count = (await fwd.count.data())[0]!;
        return { lossSum, count, state: await readState(fwd.h, fwd.c, batch.batch) };
      } finally {
        disposeWindow(win);
        tf.dispose([fwd.lossSum, fwd.count, fwd.h, ...(fwd.c ? [fwd.c] : [])]);
      }
    },

    async lossAndGrads(batch: TrainBatch, state: RnnState): Promise<LossAndGradsResult> {
      await enter();
      const win = upload(batch, state);
      const [loss, logits, h, c, ...grads] = tf.tidy(() => {
        const out = forwardBackward(win);
        return [out.loss, out.fwd.logits, out.fwd.h, out.fwd.c, ...out.grads];
      });
      try {
        const named: NamedTensors = new Map();
        for (let i = 0; i < names.length; i++) {
          const g = grads[i]!;
          named.set(names[i]!, { shape: [...g.shape], data: new Float32Array(await g!.data<"float32">()) });
        }
        return {
          loss: (await loss!.data())[0]!,
          logits: toBatchMajor(await logits!.data<"float32">(), batch.batch, batch.steps),
          state: await readState(h!, c, batch.batch),
          grads: named,
        };
      } finally {
        disposeWindow(win);
        tf.dispose([loss!, logits!, h!, ...(c ? [c] : []), ...(grads as tf.Tensor[])]);
      }
    },

    async getParams(): Promise<NamedTensors> {
      await enter();
      const out: NamedTensors = new Map();
      for (const [name, v] of vars) {
        out.set(name, { shape: [...v.shape], data: new Float32Array(await v.data<"float32">()) });
      }
      return out;
    },

    async setParams(params: NamedTensors): Promise<void> {
      await enter();
      validateParams(config, params);
      for (const [name, v] of vars) {
        const t = params.get(name)!;
        tf.tidy(() => v.assign(tf.tensor(t.data.slice(), v.shape)));
      }
    },

    async getOptimizerState(): Promise<OptimizerState> {
      await enter();
      return optimizer.getState();
    },

    async setOptimizerState(state: OptimizerState): Promise<void> {
      await enter();
      optimizer.setState(state);
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      optimizer.dispose();
      tf.dispose(varList);
    },
  };
}

/** One-hot rows `[batch, vocab]` for each step of batch-major ids `[batch, steps]`. */
function oneHotSteps(ids: Int32Array, batch: number, steps: number, vocab: number): Float32Array[] {
  return Array.from({ length: steps }, (_, t) => {
    const rows = new Float32Array(batch * vocab);
    for (let b = 0; b < batch; b++) rows[b * vocab + ids[b * steps + t]!] = 1;
    return rows;
  });
}
