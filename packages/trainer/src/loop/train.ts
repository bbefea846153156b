import { join } from "node:path";
import {
  CHECKPOINT_DIR,
  CharrnnError,
  CONFIG_FILE,
  createRng,
  deriveSeed,
  METRICS_FILE,
  MODEL_FILE,
  SEED_STREAMS,
} from "@charrnn/core";
import { writeFileAtomic } from "@charrnn/core/node";
import { classifierLabels, initParams } from "@charrnn/models";
import { Vocab } from "@charrnn/vocab";
import { findLatestCheckpoint, listCheckpoints, removeStaleTempFiles } from "../checkpoint/checkpoint-store";
import { acquireDirLock } from "../checkpoint/lock";
import { writeFailed } from "../checkpoint/write-failed";
import { prepareClassifierData } from "../classify/classifier-data";
import type { TrainingEngine } from "../engine/types";
import { type MetricsLog, openMetricsLog } from "../metrics/metrics-log";
import { mergeTrainOptions } from "../presets/merge-options";
import { restoreBestModel } from "./best-model";
import { growParams, initLabels, initSettings, loadInitModel } from "./fine-tune";
import { checkTrainingMemory } from "./memory-estimate";
import { ensureOutDir } from "./out-dir";
import { prepareData } from "./prepare-data";
import { pickSettings, resumeSettings } from "./resume";
import { Run } from "./run";
import { modelConfig } from "./settings";
import type { TrainOptions, TrainResult } from "./train-types";

/**
 * Trains a model — a language model, or with `task: "classifier"` a sequence classifier on labelled
 * texts — through one loop: builds the vocab and windows (or padded batches) from the data, creates
 * the engine, then runs updates with validation, sampling, checkpoints and early stopping until a
 * stop condition holds.
 * With `resume`, continues from the newest valid checkpoint so that an interrupted-then-resumed run
 * ends with the same weights as an uninterrupted one (same engine and backend; bit-for-bit on CPU).
 * @example
 * const result = await train({ corpus: "input.txt", outDir: "runs/a", createEngine, ...resolvePreset("quickstart") });
 * const names = await train({ corpus: "names/", outDir: "runs/n", createEngine, ...CLASSIFIER_PRESET });
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const emit = options.onEvent ?? (() => {});
  const now = options.now ?? (() => performance.now());
  const given = pickSettings(options as unknown as Record<string, unknown>);
  ensureOutDir(options.outDir);
  const lock = acquireDirLock(options.outDir, options.checkpointFs);
  let engine: TrainingEngine | undefined;
  let metrics: MetricsLog | undefined;
  try {
    // Holding the lock, no other writer is mid-write: temp files here are a killed run's leftovers.
    removeStaleTempFiles(options.outDir);
    removeStaleTempFiles(join(options.outDir, CHECKPOINT_DIR));
    const resumeFrom = options.resume === true ? options.outDir : options.resume || undefined;
    const found = resumeFrom
      ? findLatestCheckpoint(resumeFrom, (message) => emit({ type: "warning", message }))
      : undefined;
    if (resumeFrom && !found) {
      throw new CharrnnError(
        "RESUME_NOT_FOUND",
        `no valid checkpoint to resume in ${resumeFrom}; train without resume`,
      );
    }
    if (!found && listCheckpoints(join(options.outDir, CHECKPOINT_DIR)).length > 0) {
      throw new CharrnnError(
        "OUTDIR_NOT_EMPTY",
        `outDir ${options.outDir} already holds checkpoints of another run; resume it, or choose an empty outDir`,
      );
    }
    // A fine-tune starts from a model's weights and architecture; its resume, from the checkpoint.
    const init =
      !found && given.initFrom !== undefined ? await loadInitModel(given.initFrom, given.task) : undefined;
    if (found) {
      const restored = restoreBestModel(options.outDir, options.checkpointFs);
      if (restored !== undefined) {
        emit({
          type: "warning",
          message: `${join(options.outDir, MODEL_FILE)} did not hold the best checkpoint's weights (a run stopped between writing the two); restored it from the step ${restored} best checkpoint`,
        });
      }
    }
    const settings = found
      ? resumeSettings(found.checkpoint, given, found.path)
      : mergeTrainOptions(undefined, init ? initSettings(init, given) : given);
    const baseVocab =
      init?.vocab ??
      (found && settings.initFrom !== undefined ? Vocab.fromJSON(found.checkpoint.vocab) : undefined);
    const base = baseVocab && { vocab: baseVocab, mode: settings.initVocab ?? "extend" };
    const baseLabels = init
      ? initLabels(init)
      : found && settings.initFrom !== undefined
        ? (classifierLabels(found.checkpoint.config) ?? [])
        : [];
    const data =
      settings.task === "classifier"
        ? await prepareClassifierData(options.corpus, settings, base && { ...base, labels: baseLabels })
        : await prepareData(options.corpus, settings, base);
    if (found && found.checkpoint.vocab.hash !== data.vocab.hash) {
      throw new CharrnnError(
        "RESUME_VOCAB_MISMATCH",
        `the corpus's vocab ${data.vocab.hash} differs from ${found.checkpoint.vocab.hash} in ${found.path}; resume with the corpus the run was trained on`,
      );
    }
    const config = found?.checkpoint.config ?? modelConfig(settings, data.vocab.size, data.labels);
    // Before any weight is allocated: an absurd size fails here in an instant, with its size.
    checkTrainingMemory(config, settings);
    const initRng = createRng(deriveSeed(settings.seed, SEED_STREAMS.init));
    engine = await options.createEngine({
      config,
      params: found
        ? found.checkpoint.params
        : init
          ? growParams(config, init.params, init.vocab.size, initRng, baseLabels.length)
          : initParams(config, initRng),
      optimizer: settings.optimizer,
    });
    if (found) await engine.setOptimizerState(found.checkpoint.optimizer);
    const configPath = join(options.outDir, CONFIG_FILE);
    try {
      writeFileAtomic(
        configPath,
        new TextEncoder().encode(
          `${JSON.stringify({ settings, model: config, vocabHash: data.vocab.hash, engine: engine.name, backend: engine.backend }, null, 2)}\n`,
        ),
        options.checkpointFs,
      );
    } catch (error) {
      throw writeFailed(configPath, error, "run the command again");
    }
    metrics = openMetricsLog(join(options.outDir, METRICS_FILE), {
      ...(found && { resumeStep: found.checkpoint.progress.step }),
      ...(options.checkpointFs !== undefined && { fs: options.checkpointFs }),
    });
    const initFrom = init && {
      path: init.path,
      addedTokens: data.vocab.size - init.vocab.size,
      addedLabels: (data.labels?.length ?? 0) - baseLabels.length,
    };
    const run = new Run(options, settings, config, data, engine, metrics, emit, now, found, initFrom);
    return await run.loop();
  } finally {
    metrics?.close();
    engine?.dispose();
    lock.release();
  }
}
