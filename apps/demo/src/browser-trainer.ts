import { CharrnnError, createRng, deriveSeed, type Rng, SEED_STREAMS } from "@charrnn/core";
import { createStreamBatches, type StreamBatches, splitCorpus } from "@charrnn/data/browser";
import {
  type CellType,
  defaultConfig,
  initParams,
  type ModelConfig,
  paramCount,
  type RnnState,
  serializeModel,
  zeroState,
} from "@charrnn/models";
import { createTsStepModel, generate } from "@charrnn/sampler";
import { createReferenceEngine, evaluateSplit } from "@charrnn/trainer/browser";
import { Vocab } from "@charrnn/vocab";
import { createFallbackEngine, type EngineCandidate } from "./fallback-engine";

/** What the page lets the user choose for a run in the browser. */
export interface BrowserTrainSettings {
  cell: CellType;
  hidden: number;
  layers: number;
  /** Time steps per window (truncated BPTT length). */
  seq: number;
  /** Streams per batch. */
  batch: number;
  /** Adam learning rate. */
  lr: number;
  seed: number;
}

/**
 * Small enough that a browser tab does several updates a second on the plain-TS engine, big enough
 * that the samples turn from noise into words within a minute. Measured on the 2-core development
 * machine on the bundled excerpt: 0.14 s per step in node (validation loss 4.11 → 2.11 at step 100,
 * 1.75 at step 300), about 7 steps/s in headless Chromium.
 */
export const DEFAULT_BROWSER_SETTINGS: BrowserTrainSettings = {
  cell: "gru",
  hidden: 96,
  layers: 1,
  seq: 32,
  batch: 16,
  lr: 3e-3,
  seed: 1,
};

/** Fewer characters than this cannot show learning (and the split would leave no validation text). */
export const MIN_CORPUS_CHARS = 500;
/** Validation reads at most this many characters, so a check stays well under a second. */
export const MAX_VAL_CHARS = 4000;
const VAL_FRACTION = 0.1;
const CLIP_NORM = 5;

/** One update's report. */
export interface TrainStepReport {
  /** Updates done so far, counting this one. */
  step: number;
  /** Mean cross-entropy of this window, nats per character. */
  loss: number;
  gradNorm: number;
  /** Characters this update trained on (batch × seq). */
  chars: number;
}

/** A model being trained in the page, one update at a time (the Web Worker drives it). */
export interface BrowserTrainer {
  readonly vocab: Vocab;
  readonly config: ModelConfig;
  readonly settings: BrowserTrainSettings;
  readonly paramCount: number;
  /** The engine that trains (it may change to a fallback before the first update succeeds). */
  readonly engineLabel: string;
  /** Engines tried first that could not run here, each with why. */
  readonly skippedEngines: readonly string[];
  /** Windows in one pass over the training text. */
  readonly windowsPerEpoch: number;
  /** Characters of training and validation text. */
  readonly trainChars: number;
  readonly valChars: number;
  /** Updates done. */
  readonly steps: number;
  /** Trains on the next window (state carried along each stream, reset at each epoch's start). */
  step(): Promise<TrainStepReport>;
  /** Mean validation loss (nats/char) of the current weights. */
  validate(): Promise<number>;
  /** A sample from the current weights at temperature 0.8, drawn from `rng` (default: the run's own). */
  sample(length: number, rng?: Rng): Promise<string>;
  /**
   * The current weights as a charrnn model file (safetensors); its training facts carry the
   * validation loss when {@link BrowserTrainer.validate} ran at this step.
   */
  modelFile(): Promise<Uint8Array>;
  dispose(): void;
}

/** Why `text` cannot be trained on with `settings`, or undefined when it can. */
export function checkCorpus(text: string, settings: BrowserTrainSettings): string | undefined {
  const chars = [...text].length;
  // The training split must hold one full batch of windows.
  const needed = Math.max(
    MIN_CORPUS_CHARS,
    Math.ceil((settings.batch * settings.seq + 2) / (1 - VAL_FRACTION)),
  );
  if (chars < needed) {
    return `The text has ${chars.toLocaleString("en-US")} characters; training needs at least ${needed.toLocaleString("en-US")}. Paste more text, or lower the batch or sequence length.`;
  }
  return undefined;
}

/** The plain-TS engine: runs everywhere, so it is the last candidate of every list. */
export const REFERENCE_CANDIDATE: EngineCandidate = {
  label: "plain TypeScript (reference)",
  create: async (options) => createReferenceEngine(options),
};

/**
 * Sets up a run on `text`: a character vocabulary of the whole text, the first 90% for training
 * laid out as TBPTT streams, the rest (capped at {@link MAX_VAL_CHARS}) for validation, and the
 * first of `engines` that runs here (see `createFallbackEngine`) with Adam and gradient clipping
 * at 5, as `charrnn train` does.
 */
export async function createBrowserTrainer(
  text: string,
  settings: BrowserTrainSettings,
  engines: readonly EngineCandidate[] = [REFERENCE_CANDIDATE],
): Promise<BrowserTrainer> {
  const problem = checkCorpus(text, settings);
  if (problem !== undefined) throw new CharrnnError("CORPUS_TOO_SHORT", problem);
  const vocab = Vocab.fromText(text, { level: "char" });
  const ids = vocab.encode(text);
  const split = splitCorpus(ids, { val: VAL_FRACTION });
  const val = split.val.subarray(0, MAX_VAL_CHARS);
  const streams: StreamBatches = createStreamBatches(split.train, {
    batch: settings.batch,
    steps: settings.seq,
  });
  const config = defaultConfig({
    cell: settings.cell,
    layers: settings.layers,
    hidden: settings.hidden,
    vocabSize: vocab.size,
  });
  const engine = await createFallbackEngine(engines, {
    config,
    params: initParams(config, createRng(deriveSeed(settings.seed, SEED_STREAMS.init))),
    optimizer: { kind: "adam" },
  });
  const runRng = createRng(deriveSeed(settings.seed, SEED_STREAMS.sample));
  const dropoutStream = deriveSeed(settings.seed, SEED_STREAMS.dropout);
  const startToken = vocab.idOf("\n");
  let steps = 0;
  let validated: { step: number; loss: number } | undefined;
  let state: RnnState = zeroState(config, settings.batch);

  return {
    vocab,
    config,
    settings,
    paramCount: paramCount(config),
    get engineLabel() {
      return engine.label;
    },
    get skippedEngines() {
      return engine.skipped;
    },
    windowsPerEpoch: streams.windowsPerEpoch,
    trainChars: split.train.length,
    valChars: val.length,
    get steps() {
      return steps;
    },
    async step() {
      const index = steps % streams.windowsPerEpoch;
      if (index === 0) state = zeroState(config, settings.batch);
      const result = await engine.trainStep(streams.window(index), state, {
        lr: settings.lr,
        clipNorm: CLIP_NORM,
        dropoutSeed: deriveSeed(dropoutStream, steps),
      });
      state = result.state;
      steps++;
      return {
        step: steps,
        loss: result.loss,
        gradNorm: result.gradNorm,
        chars: settings.batch * settings.seq,
      };
    },
    async validate() {
      const loss = (await evaluateSplit(engine, val, { batch: 8, steps: settings.seq })) ?? Number.NaN;
      validated = { step: steps, loss };
      return loss;
    },
    async sample(length, rng = runRng) {
      const model = createTsStepModel({ config, params: await engine.getParams() });
      // Starting after a newline reads like the start of a line of the text (a speaker's name, say).
      const start = startToken === undefined ? {} : { startToken };
      const result = await generate(model, vocab, { length, rng, temperature: 0.8, ...start });
      return result.text;
    },
    async modelFile() {
      return serializeModel({
        config,
        vocab: vocab.toJSON(),
        params: await engine.getParams(),
        training: {
          step: steps,
          // The page describes a model by "val loss … at step N": only this step's loss fits.
          ...(validated?.step === steps ? { valLoss: validated.loss } : {}),
          engine: engine.name,
          backend: engine.backend,
          trainedIn: "browser",
          ...settings,
        },
      });
    },
    dispose() {
      engine.dispose();
    },
  };
}
