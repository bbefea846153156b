import { CharrnnRangeError } from "@charrnn/core";
import type { OptimizerConfig } from "../engine/types";

/**
 * An optimizer config with every default filled in and every value checked. The plain-TS optimizers
 * and the TF.js engine both read this, so they cannot disagree on a default.
 */
export type ResolvedOptimizerConfig =
  | { kind: "sgd"; momentum: number; nesterov: boolean; weightDecay: number }
  | { kind: "adam"; beta1: number; beta2: number; epsilon: number; weightDecay: number }
  | { kind: "rmsprop"; decay: number; epsilon: number; momentum: number; centered: boolean }
  | { kind: "adagrad"; epsilon: number; initialAccumulator: number };

/** Names of the optimizers `createOptimizer` and the engines accept. */
export const OPTIMIZER_KINDS: readonly OptimizerConfig["kind"][] = ["adam", "sgd", "rmsprop", "adagrad"];

/**
 * Fills in defaults and validates. Defaults follow PyTorch except RMSprop's decay, which follows
 * char-rnn (0.95; PyTorch's alpha defaults to 0.99):
 * - adam: beta1 0.9, beta2 0.999, epsilon 1e-8, weightDecay 0 (decoupled, AdamW style)
 * - sgd: momentum 0, nesterov false, weightDecay 0 (coupled L2: added to the gradient)
 * - rmsprop: decay 0.95, epsilon 1e-8, momentum 0, centered false
 * - adagrad: epsilon 1e-10, initialAccumulator 0
 */
export function resolveOptimizerConfig(config: OptimizerConfig): ResolvedOptimizerConfig {
  switch (config.kind) {
    case "adam":
      return {
        kind: "adam",
        beta1: unitInterval("adam.beta1", config.beta1 ?? 0.9),
        beta2: unitInterval("adam.beta2", config.beta2 ?? 0.999),
        epsilon: positive("adam.epsilon", config.epsilon ?? 1e-8),
        weightDecay: nonNegative("adam.weightDecay", config.weightDecay ?? 0),
      };
    case "sgd": {
      const momentum = unitInterval("sgd.momentum", config.momentum ?? 0);
      const nesterov = config.nesterov ?? false;
      if (nesterov && momentum === 0) {
        throw new CharrnnRangeError("sgd.momentum", "> 0 when nesterov is true", momentum);
      }
      return {
        kind: "sgd",
        momentum,
        nesterov,
        weightDecay: nonNegative("sgd.weightDecay", config.weightDecay ?? 0),
      };
    }
    case "rmsprop":
      noWeightDecay(config);
      return {
        kind: "rmsprop",
        decay: unitInterval("rmsprop.decay", config.decay ?? 0.95),
        epsilon: positive("rmsprop.epsilon", config.epsilon ?? 1e-8),
        momentum: unitInterval("rmsprop.momentum", config.momentum ?? 0),
        centered: config.centered ?? false,
      };
    case "adagrad":
      noWeightDecay(config);
      return {
        kind: "adagrad",
        epsilon: positive("adagrad.epsilon", config.epsilon ?? 1e-10),
        initialAccumulator: nonNegative("adagrad.initialAccumulator", config.initialAccumulator ?? 0),
      };
    default:
      throw new CharrnnRangeError(
        "optimizer",
        `one of ${OPTIMIZER_KINDS.join(", ")}`,
        (config as { kind: unknown }).kind,
      );
  }
}

/** Slot names an optimizer keeps per parameter, with each slot's initial value. */
export function optimizerSlots(config: ResolvedOptimizerConfig): { name: string; init: number }[] {
  switch (config.kind) {
    case "adam":
      return [
        { name: "m", init: 0 },
        { name: "v", init: 0 },
      ];
    case "sgd":
      return config.momentum > 0 ? [{ name: "momentum", init: 0 }] : [];
    case "rmsprop": {
      const slots = [{ name: "ms", init: 0 }];
      if (config.centered) slots.push({ name: "mg", init: 0 });
      if (config.momentum > 0) slots.push({ name: "momentum", init: 0 });
      return slots;
    }
    case "adagrad":
      return [{ name: "accum", init: config.initialAccumulator }];
  }
}

/** RMSprop and Adagrad take no weight decay: a non-zero one is refused rather than silently dropped. */
function noWeightDecay(config: OptimizerConfig): void {
  const value = (config as { weightDecay?: unknown }).weightDecay;
  if (value !== undefined && value !== 0) {
    throw new CharrnnRangeError(
      `${config.kind}.weightDecay`,
      `0: ${config.kind} takes no weight decay; use adam (decoupled, AdamW) or sgd (L2)`,
      value,
    );
  }
}

function unitInterval(option: string, value: number): number {
  if (!(value >= 0 && value < 1)) throw new CharrnnRangeError(option, "in [0, 1)", value);
  return value;
}

function positive(option: string, value: number): number {
  if (!(value > 0 && Number.isFinite(value))) throw new CharrnnRangeError(option, "> 0", value);
  return value;
}

function nonNegative(option: string, value: number): number {
  if (!(value >= 0 && Number.isFinite(value))) throw new CharrnnRangeError(option, ">= 0", value);
  return value;
}
