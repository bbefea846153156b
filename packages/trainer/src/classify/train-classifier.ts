import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createPaddedBatches, type LabelledText, loadLabelledText, stratifiedSplit } from "@charrnn/data";
import {
  type CellType,
  defaultConfig,
  initParams,
  type ModelConfig,
  type NamedTensors,
  type Pooling,
  zeroState,
} from "@charrnn/models";
import { saveModel } from "@charrnn/models/node";
import {
  CharrnnError,
  CharrnnRangeError,
  createRng,
  createTokenCounter,
  deriveSeed,
  Vocab,
} from "@charrnn/vocab";
import type { EngineOptions, OptimizerConfig, TrainingEngine } from "../engine/types";
import { type ClassifierEvalResult, toClassifierTrainBatch } from "./classifier-batch";
import { balancedClassWeights, type ClassificationReport, createConfusionAccumulator } from "./metrics";

/** Settings of {@link trainClassifier} (plain JSON; every field has a default). */
export interface ClassifierSettings {
  cell: CellType;
  layers: number;
  hidden: number;
  embed: number;
  dropout: number;
  pooling: Pooling;
  /** `balanced` weighs each example by `n / (labels · count_label)` in the loss. */
  classWeights: "none" | "balanced";
  /** Passes over the training split. */
  epochs: number;
  batch: number;
  lr: number;
  /** Global gradient-norm clip (0 = off). */
  clip: number;
  /** Fraction of each label's examples held out for validation (`stratifiedSplit`). */
  valFraction: number;
  /** Seconds; 0 = no limit. The run validates and stops when it is spent. */
  timeBudget: number;
  seed: number;
}

/** Defaults of {@link ClassifierSettings}: a 1×128 GRU, last-state pooling, Adam 0.005, 10 epochs of 64. */
export const DEFAULT_CLASSIFIER_SETTINGS: Readonly<ClassifierSettings> = {
  cell: "gru",
  layers: 1,
  hidden: 128,
  embed: 32,
  dropout: 0,
  pooling: "last",
  classWeights: "none",
  epochs: 10,
  batch: 64,
  lr: 0.005,
  clip: 5,
  valFraction: 0.1,
  timeBudget: 0,
  seed: 0,
};

/** What {@link trainClassifier} reports as it goes. */
export type ClassifierEvent =
  | {
      type: "start";
      labels: readonly string[];
      train: number;
      val: number;
      vocabSize: number;
      engine: string;
    }
  | { type: "progress"; epoch: number; step: number; loss: number; elapsed: number }
  | { type: "validation"; epoch: number; step: number; report: ClassificationReport; best: boolean };

/** Options of {@link trainClassifier}. */
export interface TrainClassifierOptions extends Partial<ClassifierSettings> {
  /** A directory of `label.txt` files, a `.csv`/`.tsv` of `text,label`, or already loaded data. */
  data: string | LabelledText;
  outDir: string;
  createEngine(options: EngineOptions): Promise<TrainingEngine>;
  onEvent?(event: ClassifierEvent): void;
  signal?: AbortSignal;
  /** Milliseconds clock. @defaultValue `performance.now` */
  now?: () => number;
}

/** Result of {@link trainClassifier}. */
export interface ClassifierTrainResult {
  stopReason: "completed" | "time-budget" | "interrupted";
  epochs: number;
  steps: number;
  /** Seconds. */
  elapsed: number;
  /** The validation report of the saved (best) model. */
  best: ClassificationReport;
  bestStep: number;
  modelPath: string;
  config: ModelConfig;
  vocab: Vocab;
}

/** Model file written into `outDir`. */
export const CLASSIFIER_MODEL_FILE = "model.safetensors";

// Padded windows are rounded up to a multiple of this many steps so that the engine sees few
// distinct window shapes (the ORT engine builds one session per shape).
const STEP_BUCKET = 4;

/**
 * Trains a sequence classifier (the recurrent cells + a pooled label head) on labelled text: a
 * stratified train/val split, a char vocabulary of the training texts (with U+FFFD for characters
 * seen only elsewhere), length-sorted padded batches reshuffled each epoch, Adam, validation after
 * each epoch (and when the time budget ends a partial one). The best model by validation accuracy
 * (ties: lower loss) is written atomically to `outDir/model.safetensors`.
 */
export async function trainClassifier(options: TrainClassifierOptions): Promise<ClassifierTrainResult> {
  const s = resolveClassifierSettings(options);
  const now = options.now ?? (() => performance.now());
  const start = now();
  const data = typeof options.data === "string" ? await loadLabelledText(options.data) : options.data;
  const labels = data.labels;
  if (labels.length < 2)
    throw new CharrnnError(
      "DATA_ONE_LABEL",
      `a classifier needs at least 2 labels, the data has ${labels.length}`,
    );
  const { train, val } = stratifiedSplit(data.examples, { val: s.valFraction, seed: s.seed });
  if (train.length === 0 || val.length === 0) {
    throw new CharrnnError(
      "DATA_TOO_SMALL",
      `the split left ${train.length} training and ${val.length} validation examples; raise --val-fraction or add data`,
    );
  }
  const counter = createTokenCounter("char");
  for (const example of train) counter.push(example.text);
  const vocab = Vocab.fromCounts(counter.end(), { level: "char", unk: true });
  const encode = (examples: typeof train) =>
    examples.map((e) => ({ ids: vocab.encode(e.text, { oov: "unk" }), label: e.label }));
  const trainSeqs = encode(train);
  const valSeqs = encode(val);

  const config = defaultConfig({
    cell: s.cell,
    layers: s.layers,
    hidden: s.hidden,
    embed: s.embed,
    dropout: s.dropout,
    vocabSize: vocab.size,
    head: { kind: "classifier", labels: [...labels], pooling: s.pooling },
  });
  const optimizer: OptimizerConfig = { kind: "adam" };
  const engine = await options.createEngine({
    config,
    params: initParams(config, createRng(deriveSeed(s.seed, 0))),
    optimizer,
  });
  const classWeights =
    s.classWeights === "balanced"
      ? balancedClassWeights(
          labels.length,
          Int32Array.from(train, (e) => e.label),
        )
      : undefined;
  const trainBatches = createPaddedBatches(trainSeqs, {
    batch: s.batch,
    seed: deriveSeed(s.seed, 1),
    sortByLength: true,
  });
  const valBatches = createPaddedBatches(valSeqs, { batch: s.batch, shuffle: false, sortByLength: true });
  options.onEvent?.({
    type: "start",
    labels,
    train: train.length,
    val: val.length,
    vocabSize: vocab.size,
    engine: engine.name,
  });
  mkdirSync(options.outDir, { recursive: true });
  const modelPath = join(options.outDir, CLASSIFIER_MODEL_FILE);

  const validate = async (): Promise<ClassificationReport> => {
    const acc = createConfusionAccumulator(labels);
    for (const padded of valBatches.epoch(0)) {
      const batch = toClassifierTrainBatch(bucketed(padded));
      const out = (await engine.evaluate(batch, zeroState(config, batch.batch))) as ClassifierEvalResult;
      if (out.logits === undefined) {
        throw new CharrnnError(
          "ENGINE_UNSUPPORTED",
          `the ${engine.name} engine returns no classifier logits; use --engine ort or reference`,
        );
      }
      acc.add(out.logits, padded.labels, padded.batch);
    }
    return acc.report();
  };

  let best: ClassificationReport | undefined;
  let bestStep = 0;
  let step = 0;
  let epoch = 0;
  let stopReason: ClassifierTrainResult["stopReason"] = "completed";
  const elapsed = (): number => (now() - start) / 1000;
  const checkpoint = async (): Promise<void> => {
    const report = await validate();
    const better =
      best === undefined ||
      report.accuracy > best.accuracy ||
      (report.accuracy === best.accuracy && report.loss < best.loss);
    if (better) {
      best = report;
      bestStep = step;
      const params: NamedTensors = await engine.getParams();
      await saveModel(modelPath, {
        config,
        vocab: vocab.toJSON(),
        params,
        training: { step, epoch, valAccuracy: report.accuracy, valLoss: report.loss, seed: s.seed },
      });
    }
    options.onEvent?.({ type: "validation", epoch, step, report, best: better });
  };

  try {
    let validatedAt = -1;
    outer: for (; epoch < s.epochs; epoch++) {
      for (const padded of trainBatches.epoch(epoch)) {
        if (options.signal?.aborted) {
          stopReason = "interrupted";
          break outer;
        }
        if (s.timeBudget > 0 && elapsed() >= s.timeBudget) {
          stopReason = "time-budget";
          break outer;
        }
        const batch = toClassifierTrainBatch(bucketed(padded), classWeights);
        const out = await engine.trainStep(batch, zeroState(config, batch.batch), {
          lr: s.lr,
          clipNorm: s.clip,
          dropoutSeed: deriveSeed(s.seed, 1000 + step),
        });
        step++;
        if (!Number.isFinite(out.loss)) {
          throw new CharrnnError("TRAIN_DIVERGED", `the loss became ${out.loss} at step ${step}; lower --lr`);
        }
        options.onEvent?.({ type: "progress", epoch, step, loss: out.loss, elapsed: elapsed() });
      }
      await checkpoint();
      validatedAt = step;
    }
    if (validatedAt !== step || best === undefined) await checkpoint();
  } finally {
    engine.dispose();
  }
  return {
    stopReason,
    epochs: epoch,
    steps: step,
    elapsed: elapsed(),
    best: best!,
    bestStep,
    modelPath,
    config,
    vocab,
  };
}

/** Defaults ← options, range-checked. */
export function resolveClassifierSettings(options: Partial<ClassifierSettings>): ClassifierSettings {
  const s: ClassifierSettings = { ...DEFAULT_CLASSIFIER_SETTINGS };
  for (const key of Object.keys(DEFAULT_CLASSIFIER_SETTINGS) as (keyof ClassifierSettings)[]) {
    if (options[key] !== undefined) (s as unknown as Record<string, unknown>)[key] = options[key];
  }
  for (const key of ["layers", "hidden", "embed", "epochs", "batch"] as const) {
    if (!(Number.isInteger(s[key]) && s[key] >= 1))
      throw new CharrnnRangeError(key, "an integer ≥ 1", s[key]);
  }
  if (!(s.lr > 0)) throw new CharrnnRangeError("lr", "a number > 0", s.lr);
  if (!(s.clip >= 0)) throw new CharrnnRangeError("clip", "a number ≥ 0 (0 = off)", s.clip);
  if (!(s.timeBudget >= 0))
    throw new CharrnnRangeError("timeBudget", "seconds ≥ 0 (0 = no limit)", s.timeBudget);
  if (!(s.valFraction > 0 && s.valFraction < 1))
    throw new CharrnnRangeError("valFraction", "in (0, 1)", s.valFraction);
  if (!(Number.isInteger(s.seed) && s.seed >= 0))
    throw new CharrnnRangeError("seed", "an integer ≥ 0", s.seed);
  if (s.pooling !== "last" && s.pooling !== "mean")
    throw new CharrnnRangeError("pooling", '"last" or "mean"', s.pooling);
  if (s.classWeights !== "none" && s.classWeights !== "balanced")
    throw new CharrnnRangeError("classWeights", '"none" or "balanced"', s.classWeights);
  return s;
}

/** The batch with its steps rounded up to a multiple of `STEP_BUCKET` (more padding, same result). */
function bucketed<
  B extends { x: Int32Array; lengths: Int32Array; labels: Int32Array; batch: number; steps: number },
>(padded: B): B {
  const steps = Math.ceil(padded.steps / STEP_BUCKET) * STEP_BUCKET;
  if (steps === padded.steps) return padded;
  const x = new Int32Array(padded.batch * steps);
  for (let b = 0; b < padded.batch; b++) {
    x.set(padded.x.subarray(b * padded.steps, (b + 1) * padded.steps), b * steps);
  }
  return { ...padded, x, steps };
}
