import { CELL_TYPES, type CellType } from "@charrnn/models";
import { type BrowserTrainSettings, DEFAULT_BROWSER_SETTINGS } from "./browser-trainer";
import { MAX_SEED } from "./options";

/** The training form's fields (one layer always: deeper models learn too slowly to watch here). */
export type TrainField = "cell" | "hidden" | "seq" | "batch" | "lr" | "seed";

/** The raw text of the training form's fields. */
export type TrainForm = Record<TrainField, string>;

export interface TrainFieldError {
  field: TrainField;
  message: string;
}

export type ParsedTrainSettings =
  | { ok: true; settings: BrowserTrainSettings }
  | { ok: false; errors: TrainFieldError[] };

/** Bounds that keep one update of the plain-TS engine well under a second in a browser tab. */
export const TRAIN_LIMITS = {
  hidden: [8, 256],
  seq: [4, 128],
  batch: [1, 64],
} as const;

/** The form's starting values. */
export const DEFAULT_TRAIN_FORM: TrainForm = {
  cell: DEFAULT_BROWSER_SETTINGS.cell,
  hidden: String(DEFAULT_BROWSER_SETTINGS.hidden),
  seq: String(DEFAULT_BROWSER_SETTINGS.seq),
  batch: String(DEFAULT_BROWSER_SETTINGS.batch),
  lr: String(DEFAULT_BROWSER_SETTINGS.lr),
  seed: String(DEFAULT_BROWSER_SETTINGS.seed),
};

const LABELS: Record<TrainField, string> = {
  cell: "Cell",
  hidden: "Hidden size",
  seq: "Sequence length",
  batch: "Batch",
  lr: "Learning rate",
  seed: "Seed",
};

/** Validates the training form, reporting every bad field at once. */
export function parseTrainSettings(form: TrainForm): ParsedTrainSettings {
  const errors: TrainFieldError[] = [];
  const int = (field: TrainField, min: number, max: number): number => {
    const text = form[field].trim();
    const value = text === "" ? Number.NaN : Number(text);
    if (!(Number.isInteger(value) && value >= min && value <= max)) {
      errors.push({
        field,
        message: `${LABELS[field]} must be a whole number in ${min} … ${max}, got "${text}"`,
      });
    }
    return value;
  };
  const cell = form.cell as CellType;
  if (!CELL_TYPES.includes(cell)) {
    errors.push({
      field: "cell",
      message: `Cell must be one of ${CELL_TYPES.join(", ")}, got "${form.cell}"`,
    });
  }
  const hidden = int("hidden", ...TRAIN_LIMITS.hidden);
  const seq = int("seq", ...TRAIN_LIMITS.seq);
  const batch = int("batch", ...TRAIN_LIMITS.batch);
  const lrText = form.lr.trim();
  const lr = lrText === "" ? Number.NaN : Number(lrText);
  if (!(lr > 0 && lr <= 1)) {
    errors.push({ field: "lr", message: `Learning rate must be a number in (0, 1], got "${lrText}"` });
  }
  const seed = int("seed", 0, MAX_SEED);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, settings: { cell, hidden, layers: 1, seq, batch, lr, seed } };
}
