import type { BrowserTrainSettings } from "./browser-trainer";

/**
 * The engine choices the training form offers, as data: another engine is one more entry here and
 * one more case in `trainEngineCandidates`.
 */
export const TRAIN_ENGINE_CHOICES = [
  { value: "auto", label: "Fastest available (onnxruntime-web)" },
  { value: "wasm", label: "onnxruntime-web, WebAssembly only" },
  { value: "reference", label: "Plain TypeScript (reference)" },
] as const;
export type TrainEngineChoice = (typeof TRAIN_ENGINE_CHOICES)[number]["value"];

/** What the page asks the training worker. */
export type ToTrainWorker =
  /** Set up a run on `text` (once per worker) and start training. */
  | { type: "start"; text: string; settings: BrowserTrainSettings; engine: TrainEngineChoice }
  | { type: "pause" }
  | { type: "resume" }
  /** Send the current weights as a model file (answered with `model`). */
  | { type: "export" };

/** What the training worker reports. */
export type FromTrainWorker =
  | {
      type: "ready";
      vocabSize: number;
      paramCount: number;
      windowsPerEpoch: number;
      trainChars: number;
      valChars: number;
      /** The engine that trains, and those that could not run here (with why). */
      engine: string;
      skipped: readonly string[];
    }
  /** One update: its loss, and chars/s over the last few updates (validation and samples excluded). */
  | {
      type: "progress";
      step: number;
      loss: number;
      charsPerSec: number;
      engine: string;
      skipped: readonly string[];
    }
  | { type: "val"; step: number; loss: number }
  | { type: "sample"; step: number; text: string }
  | { type: "paused"; step: number }
  | { type: "model"; step: number; bytes: Uint8Array }
  | { type: "error"; message: string };

/** Validation and a sample every this many updates (and at step 0, to show where training starts). */
export const REPORT_EVERY = 50;
/** Characters per sample. */
export const SAMPLE_LENGTH = 200;
