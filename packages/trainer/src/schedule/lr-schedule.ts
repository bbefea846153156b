import { CharrnnRangeError } from "@charrnn/core";

/**
 * How the learning rate changes during a run. This module is the one place the schedules' arithmetic
 * lives (the loop asks it for each step's rate and hands the number to the engine), so an engine in
 * another language never needs its own copy. With base rate `lr`:
 * - `constant`: `lr` throughout.
 * - `decay`: multiplied by `factor` once per epoch after epoch `after` (1-based epochs): epoch `e`
 *   trains at `lr · factor^max(e − after, 0)`. This is the PTB script's `lr_decay` / `max_epoch`
 *   and char-rnn's `learning_rate_decay` / `learning_rate_decay_after`.
 * - `plateau`: multiplied by `factor` when `patience` validations in a row fail to improve the best
 *   validation loss by more than `threshold` (relative), never below `minLr`.
 * - `cosine`: `minLr + (lr − minLr) · (1 + cos(π · p)) / 2`, where `p` ∈ [0, 1] is the fraction of
 *   the run done before the step (`runProgress`): the curve starts at `lr` and reaches `minLr`
 *   exactly where the run ends — at `maxSteps`, at the end of `timeBudget`, or after `epochs`,
 *   whichever comes first.
 * - `linear`: `minLr + (lr − minLr) · (1 − p)`, the same ends as `cosine` reached in a straight line.
 *   It is below the cosine in the run's first half and above it in the second: it leaves the top rate
 *   sooner and stays off the floor longer. Bergsma et al. (2025, "Straight to Zero") found AdamW
 *   language models trained better decaying linearly to zero than by a cosine to a tenth of the rate.
 *
 * Every schedule is multiplied by a linear warm-up (`warmupFactor`): the update with 0-based index
 * `s < warmupSteps` trains at `(s + 1) / warmupSteps` of the scheduled rate.
 */
export type LrScheduleConfig =
  | { kind: "constant" }
  | { kind: "decay"; factor: number; after: number }
  | { kind: "plateau"; factor: number; patience: number; minLr?: number; threshold?: number }
  | { kind: "cosine"; minLr?: number }
  | { kind: "linear"; minLr?: number };

/** Everything a schedule remembers, JSON-safe, so checkpoints resume it exactly. */
export interface LrScheduleState {
  /** Current rate of a plateau schedule (unused by the others). */
  lr: number;
  /** Best validation loss seen (plateau), `null` before the first validation. */
  best: number | null;
  /** Validations since the last improvement (plateau). */
  bad: number;
  /**
   * Run progress (`LrPosition.progress`) of the latest step asked for, so a resumed time-budgeted
   * cosine or linear schedule continues where it stopped. Absent in checkpoints written before cosine
   * existed.
   */
  progress?: number;
}

/** Where in the run a step is. */
export interface LrPosition {
  /** 0-based epoch of the step. */
  epoch: number;
  /** 0-based index of the update (the number of updates done before it). */
  step: number;
  /** Fraction of the run done before the step, in [0, 1] (`runProgress`). */
  progress: number;
}

/** A learning-rate schedule: pure function of the position plus the validation history it has observed. */
export interface LrSchedule {
  /** Learning rate of the update at `at` (warm-up included). */
  lrAt(at: LrPosition): number;
  /** Feeds a validation loss; returns true when the rate changed. */
  observe(valLoss: number): boolean;
  state(): LrScheduleState;
}

export const LR_SCHEDULE_KINDS: readonly LrScheduleConfig["kind"][] = [
  "constant",
  "decay",
  "plateau",
  "cosine",
  "linear",
];

/** Fields each kind reads; any other field is a mistake (e.g. a decay factor on a cosine schedule). */
const FIELDS: Readonly<Record<LrScheduleConfig["kind"], readonly string[]>> = {
  constant: [],
  decay: ["factor", "after"],
  plateau: ["factor", "patience", "minLr", "threshold"],
  cosine: ["minLr"],
  linear: ["minLr"],
};

/** Checks a schedule config; throws `CharrnnRangeError` naming the field. */
export function validateLrSchedule(config: LrScheduleConfig): LrScheduleConfig {
  const kind = (config as { kind?: unknown } | undefined)?.kind;
  if (!LR_SCHEDULE_KINDS.includes(kind as LrScheduleConfig["kind"])) {
    throw new CharrnnRangeError("lrSchedule.kind", `one of ${LR_SCHEDULE_KINDS.join(", ")}`, kind);
  }
  for (const [field, value] of Object.entries(config)) {
    if (field !== "kind" && value !== undefined && !FIELDS[config.kind].includes(field)) {
      throw new CharrnnRangeError(
        `lrSchedule.${field}`,
        `unset with the ${config.kind} schedule (used by: ${usersOf(field)})`,
        value,
      );
    }
  }
  switch (config.kind) {
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
      checkMinLr(config.minLr);
      if (config.threshold !== undefined && !(config.threshold >= 0)) {
        throw new CharrnnRangeError("lrSchedule.threshold", "≥ 0", config.threshold);
      }
      return config;
    case "cosine":
    case "linear":
      checkMinLr(config.minLr);
      return config;
  }
}

function usersOf(field: string): string {
  const kinds = LR_SCHEDULE_KINDS.filter((k) => FIELDS[k].includes(field));
  return kinds.length > 0 ? kinds.join(", ") : "none";
}

function checkMinLr(minLr: number | undefined): void {
  if (minLr !== undefined && !(minLr >= 0 && Number.isFinite(minLr))) {
    throw new CharrnnRangeError("lrSchedule.minLr", "a finite number ≥ 0", minLr);
  }
}

/** Schedules laid over the whole run (`runProgress`): their curve ends where the run does. */
export function annealsToRunEnd(config: LrScheduleConfig): boolean {
  return config.kind === "cosine" || config.kind === "linear";
}

/** Linear warm-up: the update with 0-based index `step` gets `(step + 1) / warmupSteps` of the rate until warm. */
export function warmupFactor(step: number, warmupSteps: number): number {
  return warmupSteps > 0 && step < warmupSteps ? (step + 1) / warmupSteps : 1;
}

/** What `runProgress` measures a step against. */
export interface RunHorizon {
  /** Updates done before the step. */
  step: number;
  epochs: number;
  windowsPerEpoch: number;
  /** 0 = no step limit. */
  maxSteps: number;
  /** Seconds this session may train (0 = no limit) and seconds it has trained so far. */
  timeBudget: number;
  sessionSeconds: number;
  /** Progress when this session started (a resumed run's saved `LrScheduleState.progress`, else 0). */
  resumedAt: number;
}

/**
 * The fraction of the run done before a step, in [0, 1]: the largest of `step / (epochs ·
 * windowsPerEpoch)`, `step / maxSteps` and, with a time budget, the budget used so far — so it
 * reaches 1 at whichever limit stops the run first. The time part is the run's own throughput
 * measured as it goes: at the current rate of steps per second, the budget ends after
 * `step · timeBudget / sessionSeconds` steps, and `sessionSeconds / timeBudget` of those are done.
 * A resumed session gets a fresh budget (as `train` does), over which it finishes the remaining
 * `1 − resumedAt` of the curve.
 */
export function runProgress(h: RunHorizon): number {
  let p = h.step / (h.epochs * h.windowsPerEpoch);
  if (h.maxSteps > 0) p = Math.max(p, h.step / h.maxSteps);
  if (h.timeBudget > 0) {
    p = Math.max(p, h.resumedAt + (1 - h.resumedAt) * (h.sessionSeconds / h.timeBudget));
  }
  return Math.min(Math.max(p, 0), 1);
}

/**
 * Creates a schedule around `baseLr` with `warmupSteps` of linear warm-up; pass a saved `state` to
 * continue one from a checkpoint.
 */
export function createLrSchedule(
  config: LrScheduleConfig,
  baseLr: number,
  state?: LrScheduleState,
  warmupSteps = 0,
): LrSchedule {
  validateLrSchedule(config);
  const s: LrScheduleState = state ? { ...state } : { lr: baseLr, best: null, bad: 0 };
  const rate = scheduledRate(config, baseLr, s);
  return {
    lrAt(at) {
      s.progress = at.progress;
      return rate(at) * warmupFactor(at.step, warmupSteps);
    },
    observe: config.kind === "plateau" ? plateauObserver(config, s) : () => false,
    state: () => ({ ...s }),
  };
}

function scheduledRate(
  config: LrScheduleConfig,
  baseLr: number,
  s: LrScheduleState,
): (at: LrPosition) => number {
  switch (config.kind) {
    case "constant":
      return () => baseLr;
    case "decay":
      return (at) => baseLr * config.factor ** Math.max(at.epoch + 1 - config.after, 0);
    case "plateau":
      return () => s.lr;
    case "cosine": {
      const minLr = config.minLr ?? 0;
      return (at) => minLr + ((baseLr - minLr) * (1 + Math.cos(Math.PI * at.progress))) / 2;
    }
    case "linear": {
      const minLr = config.minLr ?? 0;
      return (at) => minLr + (baseLr - minLr) * (1 - at.progress);
    }
  }
}

function plateauObserver(
  config: Extract<LrScheduleConfig, { kind: "plateau" }>,
  s: LrScheduleState,
): (valLoss: number) => boolean {
  const minLr = config.minLr ?? 0;
  const threshold = config.threshold ?? 1e-4;
  return (valLoss) => {
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
  };
}
