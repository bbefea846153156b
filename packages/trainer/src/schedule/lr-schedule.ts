import { CharrnnRangeError } from "@charrnn/vocab";

/**
 * How the learning rate changes during a run.
 * - `constant`: the base rate throughout.
 * - `decay`: multiplied by `factor` once per epoch after epoch `after` (1-based epochs): epoch `e`
 *   trains at `lr · factor^max(e − after, 0)`. This is the PTB script's `lr_decay` / `max_epoch`
 *   and char-rnn's `learning_rate_decay` / `learning_rate_decay_after`.
 * - `plateau`: multiplied by `factor` when `patience` validations in a row fail to improve the best
 *   validation loss by more than `threshold` (relative), never below `minLr`.
 */
export type LrScheduleConfig =
  | { kind: "constant" }
  | { kind: "decay"; factor: number; after: number }
  | { kind: "plateau"; factor: number; patience: number; minLr?: number; threshold?: number };

/** Everything a schedule remembers, JSON-safe, so checkpoints resume it exactly. */
export interface LrScheduleState {
  /** Current rate of a plateau schedule (unused by the others). */
  lr: number;
  /** Best validation loss seen (plateau), `null` before the first validation. */
  best: number | null;
  /** Validations since the last improvement (plateau). */
  bad: number;
}

/** A learning-rate schedule: pure function of the epoch plus the validation history it has observed. */
export interface LrSchedule {
  /** Learning rate for a step taken during `epoch` (0-based). */
  lrAt(epoch: number): number;
  /** Feeds a validation loss; returns true when the rate changed. */
  observe(valLoss: number): boolean;
  state(): LrScheduleState;
}

export const LR_SCHEDULE_KINDS: readonly LrScheduleConfig["kind"][] = ["constant", "decay", "plateau"];

/** Checks a schedule config; throws `CharrnnRangeError` naming the field. */
export function validateLrSchedule(config: LrScheduleConfig): LrScheduleConfig {
  switch (config?.kind) {
    case "constant":
      return config;
    case "decay":
      if (!(config.factor > 0 && config.factor <= 1)) {
        throw new CharrnnRangeError("lrSchedule.factor", "in (0, 1]", config.factor);
      }
      if (!(Number.isInteger(config.after) && config.after >= 0)) {
        throw new CharrnnRangeError("lrSchedule.after", "an integer ≥ 0", config.after);
      }
      return config;
    case "plateau":
      if (!(config.factor > 0 && config.factor < 1)) {
        throw new CharrnnRangeError("lrSchedule.factor", "in (0, 1)", config.factor);
      }
      if (!(Number.isInteger(config.patience) && config.patience >= 0)) {
        throw new CharrnnRangeError("lrSchedule.patience", "an integer ≥ 0", config.patience);
      }
      if (config.minLr !== undefined && !(config.minLr >= 0)) {
        throw new CharrnnRangeError("lrSchedule.minLr", "≥ 0", config.minLr);
      }
      if (config.threshold !== undefined && !(config.threshold >= 0)) {
        throw new CharrnnRangeError("lrSchedule.threshold", "≥ 0", config.threshold);
      }
      return config;
    default:
      throw new CharrnnRangeError(
        "lrSchedule.kind",
        `one of ${LR_SCHEDULE_KINDS.join(", ")}`,
        (config as { kind?: unknown } | undefined)?.kind,
      );
  }
}

/** Creates a schedule around `baseLr`; pass a saved `state` to continue one from a checkpoint. */
export function createLrSchedule(
  config: LrScheduleConfig,
  baseLr: number,
  state?: LrScheduleState,
): LrSchedule {
  validateLrSchedule(config);
  const s: LrScheduleState = state ? { ...state } : { lr: baseLr, best: null, bad: 0 };
  switch (config.kind) {
    case "constant":
      return { lrAt: () => baseLr, observe: () => false, state: () => ({ ...s }) };
    case "decay":
      return {
        lrAt: (epoch) => baseLr * config.factor ** Math.max(epoch + 1 - config.after, 0),
        observe: () => false,
        state: () => ({ ...s }),
      };
    case "plateau": {
      const minLr = config.minLr ?? 0;
      const threshold = config.threshold ?? 1e-4;
      return {
        lrAt: () => s.lr,
        observe(valLoss) {
          if (s.best === null || valLoss < s.best * (1 - threshold)) {
            s.best = valLoss;
            s.bad = 0;
            return false;
          }
          s.bad++;
          if (s.bad <= config.patience) return false;
          s.bad = 0;
          const next = Math.max(s.lr * config.factor, minLr);
          const changed = next !== s.lr;
          s.lr = next;
          return changed;
        },
        state: () => ({ ...s }),
      };
    }
  }
}
