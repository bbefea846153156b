import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import * as tf from "@tensorflow/tfjs-core";
import { optimizerSlots, type ResolvedOptimizerConfig, resolveOptimizerConfig } from "../optim/config";
import type { OptimizerConfig, OptimizerState } from "./types";

/**
 * The optimizers of `createOptimizer` (same formulas, see its TSDoc) as TF.js ops on tf.Variables,
 * one fused update per parameter, so the parameters never leave the backend during training.
 */
export interface TfjsOptimizer {
  readonly config: ResolvedOptimizerConfig;
  readonly step: number;
  /** Applies one update; `grads` maps parameter names to gradients shaped like the variables. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void;
  getState(): Promise<OptimizerState>;
  setState(state: OptimizerState): void;
  dispose(): void;
}

export function createTfjsOptimizer(
  config: OptimizerConfig,
  params: ReadonlyMap<string, tf.Variable>,
): TfjsOptimizer {
  const resolved = resolveOptimizerConfig(config);
  const specs = optimizerSlots(resolved);
  const slots = new Map<string, tf.Variable[]>();
  for (const [name, v] of params) {
    slots.set(
      name,
      specs.map((spec) => tf.variable(tf.fill(v.shape, spec.init), false)),
    );
  }
  let step = 0;

  const update = (w: tf.Variable, g: tf.Tensor, s: tf.Variable[], lr: number): void => {
    switch (resolved.kind) {
      case "adam": {
        const [m, v] = s as [tf.Variable, tf.Variable];
        const { beta1, beta2, epsilon } = resolved;
        const bc2 = 1 - beta2 ** step;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const delta = tf.div(tf.mul(m, lr / (1 - beta1 ** step)), tf.add(tf.sqrt(tf.div(v, bc2)), epsilon));
        w.assign(tf.sub(resolved.weightDecay > 0 ? tf.mul(w, 1 - lr * resolved.weightDecay) : w, delta));
        return;
      }
      case "sgd": {
        const grad = resolved.weightDecay > 0 ? tf.add(g, tf.mul(w, resolved.weightDecay)) : g;
        const buf = s[0];
        if (buf === undefined) {
          w.assign(tf.sub(w, tf.mul(grad, lr)));
          return;
        }
        buf.assign(tf.add(tf.mul(buf, resolved.momentum), grad));
        const dir = resolved.nesterov ? tf.add(grad, tf.mul(buf, resolved.momentum)) : buf;
        w.assign(tf.sub(w, tf.mul(dir, lr)));
        return;
      }
      case "rmsprop": {
        const { decay, epsilon } = resolved;
        const ms = s[0]!;
        ms.assign(tf.add(tf.mul(ms, decay), tf.mul(tf.square(g), 1 - decay)));
        let k = 1;
        let denom: tf.Tensor;
        if (resolved.centered) {
          const mg = s[k++]!;
          mg.assign(tf.add(tf.mul(mg, decay), tf.mul(g, 1 - decay)));
          denom = tf.add(tf.sqrt(tf.sub(ms, tf.square(mg))), epsilon);
        } else {
          denom = tf.add(tf.sqrt(ms), epsilon);
        }
        const buf = resolved.momentum > 0 ? s[k] : undefined;
        if (buf === undefined) {
          w.assign(tf.sub(w, tf.div(tf.mul(g, lr), denom)));
        } else {
          buf.assign(tf.add(tf.mul(buf, resolved.momentum), tf.div(g, denom)));
          w.assign(tf.sub(w, tf.mul(buf, lr)));
        }
        return;
      }
      case "adagrad": {
        const acc = s[0]!;
        acc.assign(tf.add(acc, tf.square(g)));
        w.assign(tf.sub(w, tf.div(tf.mul(g, lr), tf.add(tf.sqrt(acc), resolved.epsilon))));
        return;
      }
    }
  };

  return {
    config: resolved,
    get step() {
      return step;
    },
    apply(grads, lr) {
      if (!(lr >= 0 && Number.isFinite(lr))) throw new CharrnnRangeError("lr", ">= 0 and finite", lr);
      step++;
      tf.tidy(() => {
        for (const [name, w] of params) {
          const g = grads.get(name);
          if (g === undefined) {
            throw new CharrnnError("GRAD_SHAPE_MISMATCH", `no gradient for parameter ${name}`);
          }
          update(w, g, slots.get(name)!, lr);
        }
      });
    },
    async getState() {
      const out = new Map<string, Float32Array>();
      for (const [name, vars] of slots) {
        for (let i = 0; i < vars.length; i++) {
          out.set(`${name}/${specs[i]!.name}`, new Float32Array(await vars[i]!.data<"float32">()));
        }
      }
      return { kind: resolved.kind, step, slots: out };
    },
    setState(state) {
      if (state.kind !== resolved.kind) {
        throw new CharrnnError(
          "OPTIMIZER_STATE_MISMATCH",
          `optimizer state is for ${state.kind} but the engine uses ${resolved.kind}; resume with the same optimizer`,
        );
      }
      for (const [name, vars] of slots) {
        for (let i = 0; i < vars.length; i++) {
          const spec = specs[i]!;
          const key = `${name}/${spec.name}`;
          const v = vars[i]!;
          const data = state.slots.get(key);
          if (data === undefined && state.step > 0) {
            throw new CharrnnError("OPTIMIZER_STATE_MISMATCH", `optimizer state has no slot ${key}`);
          }
          if (data !== undefined && data.length !== v.size) {
            throw new CharrnnError(
              "OPTIMIZER_STATE_MISMATCH",
              `optimizer slot ${key} has ${data.length} values, expected ${v.size}; the state belongs to another model`,
            );
          }
          tf.tidy(() =>
            v.assign(data === undefined ? tf.fill(v.shape, spec.init) : tf.tensor(data.slice(), v.shape)),
          );
        }
      }
      step = state.step;
    },
    dispose() {
      for (const vars of slots.values()) tf.dispose(vars);
      slots.clear();
    },
  };
}
