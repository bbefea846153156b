import type { BrowserTrainSettings } from "./browser-trainer";

/** What the page asks the training worker. */
export type ToTrainWorker =
  /** Set up a run on `text` (once per worker) and start training. */
  | { type: "start"; text: string; settings: BrowserTrainSettings }
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
    }
  /** One update: its loss, and chars/s over the last few updates (validation and samples excluded). */
  | { type: "progress"; step: number; loss: number; charsPerSec: number }
  | { type: "val"; step: number; loss: number }
  | { type: "sample"; step: number; text: string }
  | { type: "paused"; step: number }
  | { type: "model"; step: number; bytes: Uint8Array }
  | { type: "error"; message: string };

/** Validation and a sample every this many updates (and at step 0, to show where training starts). */
export const REPORT_EVERY = 50;
/** Characters per sample. */
export const SAMPLE_LENGTH = 200;
