import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import type { NamedTensors } from "@charrnn/models";
import type { OptimizerConfig, OptimizerState } from "../engine/types";
import { optimizerSlots, type ResolvedOptimizerConfig, resolveOptimizerConfig } from "./config";

/**
 * A plain-TS optimizer over Float32Array parameters: the reference the TF.js engine's fused
 * optimizers are tested against, and the optimizer of the reference engine.
 */
export interface Optimizer {
  readonly config: ResolvedOptimizerConfig;
  /** Updates applied so far. */
  readonly step: number;
  /** Updates `params` in place from `grads` (same names and shapes). */
  apply(params: NamedTensors, grads: NamedTensors, lr: number): void;
  /** A copy of the state in the neutral form (`slots` keyed `${param}/${slot}`). */
  getState(): OptimizerState;
  /** Replaces the state with a copy of `state` (from this engine or another). */
  setState(state: OptimizerState): void;
}

/**
 * Creates a plain-TS optimizer. Update rules (g = gradient, t = step after increment):
 * - adam (PyTorch Adam/AdamW): m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 *   w = w·(1 − lr·wd) − lr·(m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + ε).
 * - sgd (PyTorch SGD, dampening 0): g += wd·w; buf = μ·buf + g; w −= lr·(nesterov ? g + μ·buf : buf)
 *   (w −= lr·g without momentum).
 * - rmsprop (PyTorch RMSprop = char-rnn/torch7 optim.rmsprop, ε outside the square root):
 *   ms = ρ·ms + (1−ρ)·g²; centered: mg = ρ·mg + (1−ρ)·g, d = sqrt(ms − mg²) + ε, else d = sqrt(ms) + ε;
 *   with momentum buf = μ·buf + g/d, w −= lr·buf; otherwise w −= lr·g/d.
 * - adagrad (PyTorch Adagrad, no lr decay): acc += g²; w −= lr·g/(sqrt(acc) + ε).
 */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  const resolved = resolveOptimizerConfig(config);
  const slotSpecs = optimizerSlots(resolved);
  let slots = new Map<string, Float32Array>();
  let step = 0;

  const slot = (param: string, index: number, size: number): Float32Array => {
    const spec = slotSpecs[index]!;
    const key = `${param}/${spec.name}`;
    let buf = slots.get(key);
    if (buf === undefined) {
      buf = new Float32Array(size).fill(spec.init);
      slots.set(key, buf);
    } else if (buf.length !== size) {
      throw new CharrnnError(
        "OPTIMIZER_STATE_MISMATCH",
        `optimizer slot ${key} has ${buf.length} values but parameter ${param} has ${size}; the state belongs to another model`,
      );
    }
    return buf;
  };

  return {
    config: resolved,
    get step() {
      return step;
    },
    apply(params, grads, lr) {
      if (!(lr >= 0 && Number.isFinite(lr))) throw new CharrnnRangeError("lr", ">= 0 and finite", lr);
      step++;
      for (const [name, param] of params) {
        const grad = grads.get(name);
        if (grad === undefined || grad.data.length !== param.data.length) {
          throw new CharrnnError(
            "GRAD_SHAPE_MISMATCH",
            `gradient for ${name} is missing or has the wrong size`,
          );
        }
        const w = param.data;
        const g = grad.data;
        const n = w.length;
        switch (resolved.kind) {
          case "adam":
            adamUpdate(resolved, w, g, slot(name, 0, n), slot(name, 1, n), lr, step);
            break;
          case "sgd":
            sgdUpdate(resolved, w, g, resolved.momentum > 0 ? slot(name, 0, n) : undefined, lr);
            break;
          case "rmsprop": {
            let k = 1;
            const mg = resolved.centered ? slot(name, k++, n) : undefined;
            const mom = resolved.momentum > 0 ? slot(name, k, n) : undefined;
            rmspropUpdate(resolved, w, g, slot(name, 0, n), mg, mom, lr);
            break;
          }
          case "adagrad":
            adagradUpdate(resolved, w, g, slot(name, 0, n), lr);
            break;
        }
      }
    },
    getState() {
      const copy = new Map<string, Float32Array>();
      for (const [key, buf] of slots) copy.set(key, buf.slice());
      return { kind: resolved.kind, step, slots: copy };
    },
    setState(state) {
      if (state.kind !== resolved.kind) {
        throw new CharrnnError(
          "OPTIMIZER_STATE_MISMATCH",
          `optimizer state is for ${state.kind} but the optimizer is ${resolved.kind}; resume with the same optimizer`,
        );
      }
      const next = new Map<string, Float32Array>();
      for (const [key, buf] of state.slots) next.set(key, buf.slice());
      slots = next;
      step = state.step;
    },
  };
}

// Each update reads the slot back after storing it, so it uses the same float32 value the TF.js
// engine (which stores slots as float32 tensors) uses.

function adamUpdate(
  c: Extract<ResolvedOptimizerConfig, { kind: "adam" }>,
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  lr: number,
  step: number,
): void {
  const bc1 = 1 - c.beta1 ** step;
  const bc2 = 1 - c.beta2 ** step;
  const keep = 1 - lr * c.weightDecay;
  const stepSize = lr / bc1;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]!;
    m[i] = c.beta1 * m[i]! + (1 - c.beta1) * gi;
    v[i] = c.beta2 * v[i]! + (1 - c.beta2) * gi * gi;
    w[i] = w[i]! * keep - (stepSize * m[i]!) / (Math.sqrt(v[i]! / bc2) + c.epsilon);
  }
}

function sgdUpdate(
  c: Extract<ResolvedOptimizerConfig, { kind: "sgd" }>,
  w: Float32Array,
  g: Float32Array,
  buf: Float32Array | undefined,
  lr: number,
): void {
  const mu = c.momentum;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]! + c.weightDecay * w[i]!;
    if (buf === undefined) {
      w[i] = w[i]! - lr * gi;
      continue;
    }
    buf[i] = mu * buf[i]! + gi;
    w[i] = w[i]! - lr * (c.nesterov ? gi + mu * buf[i]! : buf[i]!);
  }
}

function rmspropUpdate(
  c: Extract<ResolvedOptimizerConfig, { kind: "rmsprop" }>,
  w: Float32Array,
  g: Float32Array,
  ms: Float32Array,
  mg: Float32Array | undefined,
  mom: Float32Array | undefined,
  lr: number,
): void {
  const rho = c.decay;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]!;
    ms[i] = rho * ms[i]! + (1 - rho) * gi * gi;
    let d: number;
    if (mg !== undefined) {
      mg[i] = rho * mg[i]! + (1 - rho) * gi;
      d = Math.sqrt(ms[i]! - mg[i]! * mg[i]!) + c.epsilon;
    } else {
      d = Math.sqrt(ms[i]!) + c.epsilon;
    }
    if (mom !== undefined) {
      mom[i] = c.momentum * mom[i]! + gi / d;
      w[i] = w[i]! - lr * mom[i]!;
    } else {
      w[i] = w[i]! - (lr * gi) / d;
    }
  }
}

function adagradUpdate(
  c: Extract<ResolvedOptimizerConfig, { kind: "adagrad" }>,
  w: Float32Array,
  g: Float32Array,
  acc: Float32Array,
  lr: number,
): void {
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]!;
    acc[i] = acc[i]! + gi * gi;
    w[i] = w[i]! - (lr * gi) / (Math.sqrt(acc[i]!) + c.epsilon);
  }
}
