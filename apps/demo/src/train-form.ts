import { type BrowserTrainSettings, checkCorpus } from "./browser-trainer";
import { byId } from "./dom";
import { TRAIN_ENGINE_CHOICES, type TrainEngineChoice } from "./train-messages";
import { DEFAULT_TRAIN_FORM, parseTrainSettings, type TrainField, type TrainForm } from "./train-options";

const FIELDS = Object.keys(DEFAULT_TRAIN_FORM) as TrainField[];
/** Larger files would make the text box sluggish; a few MB is far more than a minute of training reads. */
export const MAX_TRAIN_TEXT_BYTES = 5 * 1024 * 1024;

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** What a valid form gives: the settings and the text to train on. */
export interface TrainRequest {
  settings: BrowserTrainSettings;
  text: string;
  /** "the bundled Shakespeare excerpt", or "your text". */
  source: string;
  engine: TrainEngineChoice;
}

/**
 * The training form: defaults, validation with messages beside the fields, and the training text
 * (typed, pasted, opened or dropped; empty means the bundled excerpt, fetched by `loadBundled`).
 */
export function createTrainForm(loadBundled: () => Promise<string>) {
  const control = (field: TrainField) => byId<Control>(`train-${field}`);
  const textBox = byId<HTMLTextAreaElement>("train-text");
  const fileInput = byId<HTMLInputElement>("train-file");
  const textError = byId("train-text-error");
  for (const field of FIELDS) control(field).value = DEFAULT_TRAIN_FORM[field];
  const engineSelect = byId<HTMLSelectElement>("train-engine");
  engineSelect.replaceChildren(...TRAIN_ENGINE_CHOICES.map((c) => new Option(c.label, c.value)));

  const mark = (target: Control, message: HTMLElement, error: string | undefined) => {
    message.hidden = error === undefined;
    message.textContent = error ?? "";
    if (error === undefined) target.removeAttribute("aria-invalid");
    else target.setAttribute("aria-invalid", "true");
  };
  const failText = (message: string) => {
    mark(textBox, textError, message);
    textBox.focus();
  };

  const loadFile = async (file: File) => {
    if (file.size > MAX_TRAIN_TEXT_BYTES) {
      failText(
        `${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; the page trains on at most 5 MB. Open an excerpt.`,
      );
      return;
    }
    textBox.value = await file.text();
    mark(textBox, textError, undefined);
  };
  // A message about the old text or value is wrong once it changed: drop it as the user edits.
  textBox.addEventListener("input", () => mark(textBox, textError, undefined));
  for (const field of FIELDS) {
    control(field).addEventListener("input", () =>
      mark(control(field), byId(`train-${field}-error`), undefined),
    );
  }
  fileInput.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (file !== undefined) void loadFile(file).finally(() => (fileInput.value = ""));
  });
  // A text file dropped on the box is training text, not a model for the rest of the page.
  textBox.addEventListener("dragover", (event) => {
    event.preventDefault();
    event.stopPropagation();
  });
  textBox.addEventListener("drop", (event) => {
    const file = event.dataTransfer?.files[0];
    if (file === undefined) return;
    event.preventDefault();
    event.stopPropagation();
    document.body.classList.remove("dragging");
    void loadFile(file);
  });

  return {
    /** The settings and text, or undefined after marking what is wrong (focus on the first problem). */
    async read(): Promise<TrainRequest | undefined> {
      const form = Object.fromEntries(FIELDS.map((f) => [f, control(f).value])) as TrainForm;
      const parsed = parseTrainSettings(form);
      for (const field of FIELDS) {
        const error = parsed.ok ? undefined : parsed.errors.find((e) => e.field === field);
        mark(control(field), byId(`train-${field}-error`), error?.message);
      }
      if (!parsed.ok) {
        control(parsed.errors[0]!.field).focus();
        return undefined;
      }
      const own = textBox.value;
      const text = own.trim() === "" ? await loadBundled() : own;
      const problem = checkCorpus(text, parsed.settings);
      if (problem !== undefined) {
        failText(problem);
        return undefined;
      }
      mark(textBox, textError, undefined);
      const source = own.trim() === "" ? "the bundled Shakespeare excerpt" : "your text";
      return { settings: parsed.settings, text, source, engine: engineSelect.value as TrainEngineChoice };
    },
    /** Settings and text are fixed while a run exists; Reset frees them. */
    setLocked(locked: boolean) {
      for (const field of FIELDS) control(field).disabled = locked;
      engineSelect.disabled = locked;
      textBox.readOnly = locked;
      fileInput.disabled = locked;
    },
  };
}
