import { existsSync } from "node:fs";
import { join } from "node:path";
import { createRng, deriveSeed, MODEL_FILE, type Rng, SEED_STREAMS } from "@charrnn/core";
import { type ModelConfig, type NamedTensors, type RnnState, zeroState } from "@charrnn/models";
import { saveModel } from "@charrnn/models/node";
import { createTurnTaker } from "@charrnn/sampler";
import type { Checkpoint, TrainProgress, ValidationState } from "../checkpoint/checkpoint-format";
import { readCheckpoint, writeCheckpoint } from "../checkpoint/checkpoint-store";
import type { TrainingEngine } from "../engine/types";
import type { MetricsLog } from "../metrics/metrics-log";
import { natsToBits, perplexity } from "../metrics/units";
import {
  annealsToRunEnd,
  createLrSchedule,
  type LrSchedule,
  type LrScheduleState,
  runProgress,
} from "../schedule/lr-schedule";
import { inferenceModel } from "./best-model";
import { divergence, runawayLossLimit } from "./divergence";
import type { PreparedData, SplitScore } from "./prepare-data";
import { sampleText } from "./sample";
import type { TrainSettings } from "./settings";
import type { StopReason, TrainEvent, TrainOptions, TrainResult } from "./train-types";

/** One training session's mutable state and the steps of the loop. */
export class Run {
  private progress: TrainProgress;
  private validation: ValidationState;
  private schedule: LrSchedule;
  private rng: Rng;
  /** Base of the per-update dropout seeds (its own stream, so masks never repeat init or sampling draws). */
  private readonly dropoutSeed: number;
  /** Factor on the scheduled learning rate, halved by each divergence rollback; persisted. */
  private lrScale: number;
  /** Divergence rollbacks over the whole run; persisted. */
  private rollbacks: number;
  private carried: RnnState;
  private lastCheckpoint: string | undefined;
  private lastCheckpointStep: number;
  private lastValLoss: number | null = null;
  private testLoss: number | null = null;
  private bestPending = false;
  private readonly sessionStart: number;
  /** A step loss over this is divergence (see `runawayLossLimit`). */
  private readonly lossLimit: number;
  private readonly baseElapsed: number;
  /** Schedule progress (`runProgress`) when this session started. */
  private readonly resumedAt: number;
  // Progress accumulators since the last progress event.
  private lossSum = 0;
  private lossCount = 0;
  private logTokens = 0;
  private logTime: number;
  // Epoch summary accumulators (this session's updates in the current epoch).
  private epochLossSum = 0;
  private epochSteps = 0;
  private epochTokens = 0;
  private epochTime: number;

  constructor(
    private readonly options: TrainOptions,
    private readonly settings: TrainSettings,
    private readonly config: ModelConfig,
    private readonly data: PreparedData,
    private readonly engine: TrainingEngine,
    private readonly metrics: MetricsLog,
    private readonly emit: (event: TrainEvent) => void,
    private readonly now: () => number,
    found: { path: string; checkpoint: Checkpoint } | undefined,
    private readonly initFrom?: { path: string; addedTokens: number; addedLabels: number },
  ) {
    const ckpt = found?.checkpoint;
    this.progress = ckpt ? { ...ckpt.progress } : { step: 0, epoch: 0, window: 0, elapsed: 0, tokens: 0 };
    this.validation = ckpt
      ? { ...ckpt.validation }
      : { bestLoss: null, bestStep: -1, badEvals: 0, lastStep: -1 };
    this.schedule = this.createSchedule(ckpt?.schedule);
    this.resumedAt = ckpt?.schedule.progress ?? 0;
    this.rng = createRng(ckpt?.rng ?? deriveSeed(settings.seed, SEED_STREAMS.sample));
    this.dropoutSeed = deriveSeed(settings.seed, SEED_STREAMS.dropout);
    this.carried = ckpt?.carried ?? zeroState(config, settings.batch);
    this.lastCheckpoint = found?.path;
    this.lastCheckpointStep = ckpt ? ckpt.progress.step : -1;
    this.lrScale = ckpt?.progress.lrScale ?? 1;
    this.rollbacks = ckpt?.progress.rollbacks ?? 0;
    this.baseElapsed = this.progress.elapsed;
    this.lossLimit = runawayLossLimit(config);
    this.sessionStart = now();
    this.logTime = this.sessionStart;
    this.epochTime = this.sessionStart;
  }

  async loop(): Promise<TrainResult> {
    const { settings, data, engine } = this;
    this.emit({
      type: "start",
      step: this.progress.step,
      epoch: this.progress.epoch,
      resumedFrom: this.lastCheckpoint,
      ...(this.initFrom !== undefined && { initFrom: this.initFrom }),
      settings,
      engine: engine.name,
      backend: engine.backend,
      paramCount: countParams(await engine.getParams()),
      vocabSize: data.vocab.size,
      trainTokens: data.sizes.train,
      valTokens: data.sizes.val,
      ...(data.sizes.valScored !== undefined && { valScored: data.sizes.valScored }),
      testTokens: data.sizes.test,
      ...(data.labels !== undefined && { labels: data.labels }),
      windowsPerEpoch: data.source.windowsPerEpoch,
    });
    let stopReason: StopReason;
    for (;;) {
      stopReason = await this.steps();
      if (stopReason === "diverged") return this.finish(stopReason);
      // A run that ends (rather than pauses: interrupt, time budget) validates its final weights.
      // Pauses do not, because a validation feeds the schedule and early stopping, and a resumed run
      // must see the same validations as an uninterrupted one.
      // A cosine or linear schedule anneals to the end of the time budget, so there the budget ends
      // the run rather than pausing it: its final, lowest-rate weights are validated (and may be the best).
      const annealed = stopReason === "time-budget" && annealsToRunEnd(this.settings.lrSchedule);
      const pause = stopReason === "interrupted" || (stopReason === "time-budget" && !annealed);
      if (!pause && this.progress.step > 0 && this.validation.lastStep !== this.progress.step) {
        await this.validate();
      }
      const periodic = this.lastCheckpointStep !== this.progress.step;
      const outcome = periodic || this.bestPending ? await this.checkpoint(periodic) : "written";
      if (outcome === "diverged") return this.finish(outcome);
      if (outcome === "written") break;
      // Rolled back: train the replayed steps again.
    }
    // Without any validation there is no best model: publish the final weights instead.
    if (this.validation.bestStep < 0) await this.saveInferenceModel();
    // Like PTB's script, the test split is scored once, with the final weights; it feeds nothing
    // back, so a paused run may report it too.
    if (stopReason !== "interrupted") await this.test();
    return this.finish(stopReason);
  }

  /** Runs updates until a stop condition; every state change of a step happens before the next check. */
  private async steps(): Promise<StopReason> {
    const { settings, data, engine, progress } = this;
    const wpe = data.source.windowsPerEpoch;
    // A synchronous engine (reference) never lets the event loop turn by itself: without this a
    // SIGTERM or Ctrl-C would not reach `signal` until the run ended.
    const turn = createTurnTaker();
    for (;;) {
      if (progress.epoch >= settings.epochs) return "completed";
      if (settings.maxSteps > 0 && progress.step >= settings.maxSteps) return "max-steps";
      await turn();
      if (this.options.signal?.aborted) return "interrupted";
      if (settings.timeBudget > 0 && (this.now() - this.sessionStart) / 1000 >= settings.timeBudget) {
        return "time-budget";
      }
      const batch = data.source.batchAt(progress.epoch, progress.window);
      const state = data.source.carriesState ? this.carried : zeroState(this.config, batch.batch);
      const lr = this.lr();
      const result = await engine.trainStep(batch, state, {
        lr,
        clipNorm: settings.clip,
        dropoutSeed: deriveSeed(this.dropoutSeed, progress.step),
      });
      const what = divergence(progress.step + 1, result.loss, result.gradNorm, this.lossLimit);
      if (what !== undefined) {
        if (await this.recover(what)) continue;
        return "diverged";
      }
      progress.step++;
      progress.window++;
      progress.tokens += batch.batch * batch.steps;
      if (data.source.carriesState) this.carried = result.state;
      this.lossSum += result.loss;
      this.lossCount++;
      this.logTokens += batch.batch * batch.steps;
      this.epochLossSum += result.loss;
      this.epochSteps++;
      this.epochTokens += batch.batch * batch.steps;
      if (progress.step % settings.logEvery === 0) this.logProgress(lr, result.gradNorm);

      let valLoss: number | undefined;
      if (settings.valEvery > 0 && progress.step % settings.valEvery === 0) valLoss = await this.validate();
      if (progress.window >= wpe) {
        const trainTime = this.now() - this.epochTime;
        // A time-budgeted run's epochs are arbitrary stretches of the deadline's schedule: it
        // validates every valEvery steps and at the end, and an epoch-end validation on top (with
        // its best-model checkpoint) took about 5 % of a 15-minute budget from training.
        const epochVal = settings.timeBudget === 0 || settings.valEvery === 0;
        if (epochVal && this.validation.lastStep !== progress.step) valLoss = await this.validate();
        this.endEpoch(valLoss, trainTime);
        const previous = this.lr();
        progress.epoch++;
        progress.window = 0;
        this.carried = zeroState(this.config, settings.batch);
        const next = this.lr();
        // Per-step schedules (cosine, linear, warm-up) change every step; only an epoch decay is news.
        if (settings.lrSchedule.kind === "decay" && next !== previous && progress.epoch < settings.epochs) {
          this.emit({ type: "lr", step: progress.step, lr: next, previous });
        }
      }
      const earlyStop = settings.earlyStopping > 0 && this.validation.badEvals >= settings.earlyStopping;
      if (settings.sampleEvery > 0 && progress.step % settings.sampleEvery === 0) await this.sample();
      const periodic = progress.step % settings.checkpointEvery === 0;
      if (periodic || this.bestPending) {
        const outcome = await this.checkpoint(periodic);
        if (outcome === "diverged") return outcome;
        if (outcome === "rolled-back") continue;
      }
      if (earlyStop) return "early-stopped";
    }
  }

  /** The learning rate of the next update: the schedule's, times the rollbacks' scale. */
  private lr(): number {
    const { progress, settings } = this;
    const at = {
      epoch: progress.epoch,
      step: progress.step,
      progress: runProgress({
        step: progress.step,
        epochs: settings.epochs,
        windowsPerEpoch: this.data.source.windowsPerEpoch,
        maxSteps: settings.maxSteps,
        timeBudget: settings.timeBudget,
        sessionSeconds: (this.now() - this.sessionStart) / 1000,
        resumedAt: this.resumedAt,
      }),
    };
    return this.schedule.lrAt(at) * this.lrScale;
  }

  private createSchedule(state: LrScheduleState | undefined): LrSchedule {
    const { settings } = this;
    return createLrSchedule(settings.lrSchedule, settings.lr, state, settings.warmupSteps);
  }

  /**
   * After a divergence (`what` says which), with `onDiverge: "rollback"` and rollbacks left: restores
   * the last periodic checkpoint (weights, optimizer, data cursor, schedule, RNG, carried state),
   * halves the learning rate and returns true, so the loop replays the steps since — same windows and
   * dropout seeds, smaller steps. Otherwise warns and returns false: the run stops as diverged.
   */
  private async recover(what: string): Promise<boolean> {
    const { settings } = this;
    const path = this.lastCheckpoint;
    let refusal: string | undefined;
    if (settings.onDiverge === "stop") refusal = "";
    else if (this.rollbacks >= settings.maxRollbacks)
      refusal = `; no rollbacks left (${this.rollbacks} used)`;
    else if (path === undefined) refusal = "; no checkpoint to roll back to";
    if (refusal !== undefined || path === undefined) {
      this.emit({
        type: "warning",
        message: `${what}${refusal ?? ""}; keeping the last good checkpoint — lower lr or clip`,
      });
      return false;
    }
    const ckpt = readCheckpoint(path);
    await this.engine.setParams(ckpt.params);
    await this.engine.setOptimizerState(ckpt.optimizer);
    // Mutated in place: steps() holds a reference. Wall-clock time keeps counting (elapsed()).
    Object.assign(this.progress, ckpt.progress);
    // best.safetensors and model.safetensors keep the best weights ever validated, so the best
    // loss stays that of those files; the rest of the validation state is the checkpoint's.
    const { bestLoss, bestStep, bestReport } = this.validation;
    Object.assign(this.validation, ckpt.validation, { bestLoss, bestStep, bestReport });
    this.bestPending = false;
    this.schedule = this.createSchedule(ckpt.schedule);
    this.rng = createRng(ckpt.rng);
    this.carried = ckpt.carried ?? zeroState(this.config, settings.batch);
    this.lossSum = 0;
    this.lossCount = 0;
    this.logTokens = 0;
    this.epochLossSum = 0;
    this.epochSteps = 0;
    this.epochTokens = 0;
    this.logTime = this.epochTime = this.now();
    this.lrScale *= 0.5;
    this.rollbacks++;
    this.emit({
      type: "warning",
      message: `${what}; rolled back to checkpoint step ${ckpt.progress.step} and halved the learning rate (scale ${this.lrScale}, rollback ${this.rollbacks} of ${settings.maxRollbacks})`,
    });
    // The log reads as the run that is kept: the abandoned steps go, a rollback line marks the spot.
    this.metrics.rewind(this.progress.step);
    this.metrics.append({
      step: this.progress.step,
      epoch: this.progress.epoch,
      rollback: this.rollbacks,
      lrScale: this.lrScale,
      elapsed: this.elapsed(),
    });
    return true;
  }

  private elapsed(): number {
    return this.baseElapsed + (this.now() - this.sessionStart) / 1000;
  }

  private logProgress(lr: number, gradNorm: number): void {
    const { progress } = this;
    const t = this.now();
    const loss = this.lossSum / this.lossCount;
    const charsPerSec = t > this.logTime ? (this.logTokens * 1000) / (t - this.logTime) : 0;
    const elapsed = this.elapsed();
    this.emit({
      type: "progress",
      step: progress.step,
      epoch: progress.epoch,
      window: progress.window,
      windowsPerEpoch: this.data.source.windowsPerEpoch,
      loss,
      lr,
      gradNorm,
      charsPerSec,
      elapsed,
    });
    this.metrics.append({
      step: progress.step,
      epoch: progress.epoch,
      trainLoss: loss,
      lr,
      gradNorm,
      charsPerSec,
      elapsed,
    });
    this.lossSum = 0;
    this.lossCount = 0;
    this.logTokens = 0;
    this.logTime = t;
  }

  /** Reports the epoch that just ended: mean training loss, throughput, and its validation. */
  private endEpoch(valLoss: number | undefined, trainMs: number): void {
    const trainLoss = this.epochLossSum / this.epochSteps;
    this.emit({
      type: "epoch",
      step: this.progress.step,
      epoch: this.progress.epoch,
      trainLoss,
      trainPpl: perplexity(trainLoss),
      ...(valLoss !== undefined && { valLoss, valPpl: perplexity(valLoss) }),
      lr: this.lr(),
      tokensPerSec: trainMs > 0 ? (this.epochTokens * 1000) / trainMs : 0,
    });
    this.epochLossSum = 0;
    this.epochSteps = 0;
    this.epochTokens = 0;
    this.epochTime = this.now();
  }

  /** Scores the test split (`settings.testFile`) with the current weights. */
  private async test(): Promise<void> {
    const { progress } = this;
    const testLoss = await this.data.test(this.engine);
    if (testLoss === undefined) return;
    this.testLoss = testLoss;
    const record = {
      step: progress.step,
      epoch: progress.epoch,
      testLoss,
      testBpc: natsToBits(testLoss),
      testPpl: perplexity(testLoss),
    };
    this.emit({ type: "test", ...record });
    this.metrics.append({ ...record, elapsed: this.elapsed() });
  }

  /**
   * Validates over the whole val split, then updates the best model, early stopping and the
   * schedule. Returns the loss (`undefined` without a val split).
   */
  private async validate(): Promise<number | undefined> {
    const { progress, validation, settings } = this;
    validation.lastStep = progress.step;
    const score = await this.data.validate(this.engine);
    if (score === undefined) return undefined;
    const { loss: valLoss, report } = score;
    const previousBest = validation.bestLoss;
    const best = Number.isFinite(valLoss) && isBetter(score, validation);
    const accuracyUp =
      report !== undefined &&
      validation.bestReport !== undefined &&
      report.accuracy > validation.bestReport.accuracy;
    // Patience counts validations that fail to beat the previous best by more than minDelta (for a
    // classifier, a higher accuracy is always progress).
    if (best && (previousBest === null || valLoss < previousBest - settings.minDelta || accuracyUp)) {
      validation.badEvals = 0;
    } else {
      validation.badEvals++;
    }
    if (best) {
      validation.bestLoss = valLoss;
      validation.bestStep = progress.step;
      if (report !== undefined) validation.bestReport = report;
      this.bestPending = true;
    }
    this.lastValLoss = valLoss;
    const previous = this.lr();
    if (this.schedule.observe(valLoss)) {
      this.emit({ type: "lr", step: progress.step, lr: this.lr(), previous });
    }
    const valBpc = natsToBits(valLoss);
    const valPpl = perplexity(valLoss);
    this.emit({
      type: "validation",
      step: progress.step,
      epoch: progress.epoch,
      valLoss,
      valBpc,
      valPpl,
      best,
      ...(report !== undefined && { report }),
    });
    this.metrics.append({
      step: progress.step,
      epoch: progress.epoch,
      valLoss,
      valBpc,
      valPpl,
      ...(report !== undefined && { valAccuracy: report.accuracy }),
      lr: this.lr(),
      elapsed: this.elapsed(),
    });
    return valLoss;
  }

  private async sample(): Promise<void> {
    const params = await this.engine.getParams();
    // The sampler refuses non-finite weights; the check before the next checkpoint handles them.
    if (!allFinite(params)) return;
    const text = await sampleText(this.config, params, this.data.vocab, this.rng, this.settings.sampleLength);
    this.emit({ type: "sample", step: this.progress.step, text });
  }

  /**
   * Writes a checkpoint of the state after the current step: the periodic one when `periodic`, the
   * best one plus `model.safetensors` when the latest validation set a new best. When a weight is
   * not finite it writes nothing and returns whether `recover` rolled back or the run diverged.
   */
  private async checkpoint(periodic: boolean): Promise<"written" | "rolled-back" | "diverged"> {
    const params = await this.engine.getParams();
    if (!allFinite(params)) {
      const recovered = await this.recover(`weights became non-finite by step ${this.progress.step}`);
      return recovered ? "rolled-back" : "diverged";
    }
    const best = this.bestPending;
    const ckpt: Checkpoint = {
      config: this.config,
      vocab: this.data.vocab.toJSON(),
      settings: this.settings,
      params,
      optimizer: await this.engine.getOptimizerState(),
      carried: this.data.source.carriesState ? this.carried : null,
      progress: {
        ...this.progress,
        elapsed: this.elapsed(),
        lrScale: this.lrScale,
        rollbacks: this.rollbacks,
      },
      schedule: this.schedule.state(),
      rng: this.rng.state(),
      validation: { ...this.validation },
    };
    const path = writeCheckpoint(this.options.outDir, ckpt, {
      keepLast: this.settings.keepLast,
      periodic,
      best,
      ...(this.options.checkpointFs !== undefined && { fs: this.options.checkpointFs }),
    });
    if (periodic) {
      this.lastCheckpoint = path;
      this.lastCheckpointStep = this.progress.step;
    }
    this.emit({ type: "checkpoint", step: this.progress.step, path, best });
    if (best) {
      this.bestPending = false;
      await this.saveInferenceModel(params);
    }
    return "written";
  }

  private async saveInferenceModel(params?: NamedTensors): Promise<void> {
    const weights = params ?? (await this.engine.getParams());
    if (!allFinite(weights)) return;
    const path = join(this.options.outDir, MODEL_FILE);
    const { config, progress, validation } = this;
    await saveModel(path, inferenceModel(config, this.data.vocab.toJSON(), weights, progress, validation));
  }

  private async finish(stopReason: StopReason): Promise<TrainResult> {
    const { progress, validation } = this;
    const elapsed = this.elapsed();
    const modelPath = join(this.options.outDir, MODEL_FILE);
    const { rollbacks } = this;
    this.emit({ type: "end", step: progress.step, epoch: progress.epoch, stopReason, elapsed, rollbacks });
    return {
      stopReason,
      rollbacks,
      step: progress.step,
      epoch: progress.epoch,
      elapsed,
      bestValLoss: validation.bestLoss,
      bestStep: validation.bestStep,
      ...(validation.bestReport !== undefined && { bestReport: validation.bestReport }),
      lastValLoss: this.lastValLoss,
      testLoss: this.testLoss,
      checkpoint: this.lastCheckpoint,
      modelPath: existsSync(modelPath) ? modelPath : undefined,
      params: await this.engine.getParams(),
    };
  }
}

/**
 * Whether a validation beats the best so far: a lower loss; for a classifier a higher accuracy,
 * then (on a tie) a lower loss, since accuracy is what a classifier is used for.
 */
function isBetter(score: SplitScore, validation: ValidationState): boolean {
  if (validation.bestLoss === null) return true;
  const best = validation.bestReport;
  if (score.report !== undefined && best !== undefined && score.report.accuracy !== best.accuracy) {
    return score.report.accuracy > best.accuracy;
  }
  return score.loss < validation.bestLoss;
}

function countParams(params: NamedTensors): number {
  let n = 0;
  for (const t of params.values()) n += t.data.length;
  return n;
}

function allFinite(params: NamedTensors): boolean {
  for (const t of params.values()) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return false;
  }
  return true;
}
