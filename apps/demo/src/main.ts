import "./style.css";
import { type StepModel, scoreDetailed, stream } from "@charrnn/sampler";
import {
  type DemoModel,
  type EngineName,
  GENERATION_ENGINES,
  openModelFile,
  openSafetensors,
} from "./demo-model";
import { describeDemo } from "./describe";
import { byId, errorMessage, hideError, nextTask, showError } from "./dom";
import { explainModelError } from "./explain-error";
import { parseMetricsJsonl } from "./metrics";
import { showMetrics } from "./metrics-panel";
import { findUnknownCharacter, toGenerateOptions } from "./options";
import { loadOrt } from "./ort-web";
import { createPerCharView } from "./per-char-view";
import { createSettingsForm } from "./settings-form";
import { createTrainPanel, TRAINED_MODEL_NAME } from "./train-panel";

const ENGINE_LABELS = Object.fromEntries(GENERATION_ENGINES.map((e) => [e.name, e.label])) as Record<
  EngineName,
  string
>;
/** About one frame at 60 Hz: how long generation runs before it lets the page paint and react. */
const YIELD_EVERY_MS = 16;
const MODELS_URL = `${import.meta.env.BASE_URL}models/`;
const TRAIN_TEXT_URL = `${import.meta.env.BASE_URL}corpus/shakespeare-excerpt.txt`;
/** Where the bundled model lives in the repository: the command line below runs from its root. */
const BUNDLED_MODEL_PATH = "apps/demo/public/models/model.safetensors";

/** Where the current model came from: the page says so, so a visitor's model never passes for ours. */
type ModelOrigin = "bundled" | "file" | "trained";

const runStatus = byId("run-status");
const runError = byId("run-error");
const modelStatus = byId("model-status");
const modelError = byId("model-error");
const runButton = byId<HTMLButtonElement>("run");
const stopButton = byId<HTMLButtonElement>("stop");
const output = byId("output");
const primeOut = byId("output-prime");
const generatedOut = byId("output-generated");
const hint = byId("output-hint");
const engineRadios = GENERATION_ENGINES.map((e, i) => {
  const radio = document.createElement("input");
  radio.type = "radio";
  radio.name = "engine";
  radio.value = e.name;
  radio.checked = i === 0;
  const label = document.createElement("label");
  label.append(radio, ` ${e.choice}`);
  byId("engines").append(label);
  return radio;
});
const perChar = createPerCharView();

let current: DemoModel | undefined;
let origin: ModelOrigin = "bundled";
// The first engine a model offers runs unless the reader picks another: WebAssembly SIMD where the
// browser has it, else plain TypeScript.
let engine: EngineName | undefined;
let running: AbortController | undefined;
let runFinished: Promise<void> = Promise.resolve();

const settingsForm = createSettingsForm(() =>
  origin === "bundled" ? BUNDLED_MODEL_PATH : (current?.name ?? "model.safetensors"),
);

function say(message: string): void {
  runStatus.textContent = message;
}

/** A model file's problem, in the model panel; brought into view when it happened elsewhere (a drop). */
function failModel(fileName: string, error: unknown): void {
  const { message, detail } = explainModelError(fileName, error);
  showError(modelError, message, detail);
  modelStatus.textContent = `Could not open ${fileName}.`;
  if (!modelError.contains(document.activeElement)) {
    modelError.scrollIntoView({ block: "nearest" });
    modelError.focus({ preventScroll: true });
  }
}

async function fetchBytes(name: string): Promise<Uint8Array> {
  const response = await fetch(`${MODELS_URL}${name}`);
  if (!response.ok) throw new Error(`could not load ${name} (HTTP ${response.status}); rebuild the demo`);
  return new Uint8Array(await response.arrayBuffer());
}

function describeOrigin(model: DemoModel, from: ModelOrigin): string {
  switch (from) {
    case "bundled":
      return `The bundled model (${model.name}): ${model.summary}`;
    case "file":
      return `Your model, ${model.name}: ${model.summary}`;
    case "trained":
      return `The model you trained in this page (download it to keep it): ${model.summary}`;
  }
}

async function useModel(model: DemoModel, from: ModelOrigin): Promise<void> {
  // The running generation holds the old model's engine, which is about to be released.
  running?.abort();
  await runFinished;
  const previous = current;
  current = model;
  origin = from;
  await previous?.dispose();
  const summary = byId("model-summary");
  summary.textContent = describeOrigin(model, from);
  summary.dataset.origin = from;
  enableEngines();
  if (engine === undefined || !model.engines.includes(engine)) await selectEngine(model.engines[0]!);
  else await selectEngine(engine);
  settingsForm.refreshCli();
}

/** Engine radios: only those the model runs on, and none while a run holds its engine. */
function enableEngines(): void {
  for (const radio of engineRadios) {
    const name = radio.value as EngineName;
    const unsupported = current === undefined || !current.engines.includes(name);
    radio.disabled = unsupported || running !== undefined;
    radio.parentElement!.title = unsupported ? "This model file cannot run on this engine" : "";
  }
}

async function selectEngine(name: EngineName): Promise<void> {
  const model = current;
  if (model === undefined || running !== undefined) return;
  engine = name;
  for (const radio of engineRadios) radio.checked = radio.value === name;
  say(`Starting the ${ENGINE_LABELS[name]} engine…`);
  delete output.dataset.engine;
  try {
    await model.engine(name);
    if (current !== model || engine !== name) return;
    hideError(runError);
    say(describeDemo(model.engines.map((e) => ENGINE_LABELS[e])));
    // Read by the end-to-end tests: which model and engine are ready.
    output.dataset.engine = name;
    output.dataset.model = model.name;
  } catch (error) {
    showError(runError, `The ${ENGINE_LABELS[name]} engine did not start.`, errorMessage(error));
    const fallback = model.engines.find((e) => e !== name);
    if (fallback !== undefined && current === model) await selectEngine(fallback);
  }
}

function generate(): Promise<void> {
  if (running !== undefined || current === undefined || engine === undefined) return runFinished;
  runFinished = generateWith(current, engine);
  return runFinished;
}

async function generateWith(demo: DemoModel, engineName: EngineName): Promise<void> {
  hideError(runError);
  const settings = settingsForm.read();
  if (settings === undefined) return;
  const { vocab } = demo;
  if (vocab.level === "char") {
    const unknown = findUnknownCharacter(settings.prime, (ch) => vocab.idOf(ch) !== undefined);
    if (unknown !== undefined) {
      settingsForm.fail("prime", `The model never saw ${JSON.stringify(unknown)}; remove it from the prime.`);
      return;
    }
  }
  const controller = new AbortController();
  running = controller;
  // Generate is disabled while a run goes: keyboard focus moves on to Stop, not to the page's body.
  const hadFocus = document.activeElement === runButton;
  runButton.disabled = true;
  stopButton.disabled = false;
  if (hadFocus) stopButton.focus();
  enableEngines();
  output.setAttribute("aria-busy", "true");
  output.dataset.state = "running";
  hint.hidden = true;
  perChar.clear();
  primeOut.textContent = settings.prime;
  const textNode = document.createTextNode("");
  generatedOut.replaceChildren(textNode);
  // On a narrow screen the output is below the form: bring it into view.
  output.scrollIntoView({ block: "nearest" });
  try {
    const model: StepModel = await demo.engine(engineName);
    say(`Writing with the ${ENGINE_LABELS[engineName]} engine…`);
    const started = performance.now();
    const run = stream(model, vocab, toGenerateOptions(settings));
    let text = "";
    let yielded = started;
    for (;;) {
      const r = await run.next();
      if (r.done === true) break;
      text += r.value.text;
      textNode.appendData(r.value.text);
      if (controller.signal.aborted) break;
      // Give the browser a turn about once a frame, so the text appears as it is sampled and Stop
      // stays clickable, without a wait per character.
      if (performance.now() - yielded >= YIELD_EVERY_MS) {
        await nextTask();
        yielded = performance.now();
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const chars = [...text].length;
    const speed = seconds > 0 ? Math.round(chars / seconds) : 0;
    // Read by the measuring script (scripts/measure-browser.ts).
    output.dataset.charsPerSec = String(speed);
    const verb = controller.signal.aborted ? "Stopped after" : "Wrote";
    const done = `${verb} ${chars.toLocaleString("en-US")} characters in ${seconds.toFixed(2)} s (${speed.toLocaleString("en-US")} chars/s) with the ${ENGINE_LABELS[engineName]} engine.`;
    if (text.length > 0) {
      say(`${done} Scoring…`);
      perChar.show(await scoreDetailed(model, vocab, text, { prime: settings.prime, k: 5 }), vocab);
    }
    say(done);
    output.dataset.state = "done";
  } catch (error) {
    showError(runError, "Generation failed.", errorMessage(error));
    say("Generation failed.");
    output.dataset.state = "failed";
  } finally {
    running = undefined;
    runButton.disabled = false;
    stopButton.disabled = true;
    enableEngines();
    output.removeAttribute("aria-busy");
    const at = document.activeElement;
    if (at === stopButton || at === null || at === document.body) runButton.focus({ preventScroll: true });
  }
}

async function openFiles(files: readonly File[]): Promise<void> {
  hideError(modelError);
  for (const file of files) {
    try {
      if (/\.(jsonl|json|txt)$/i.test(file.name)) {
        await plotMetricsFile(file);
        continue;
      }
      modelStatus.textContent = `Opening ${file.name}…`;
      const bytes = new Uint8Array(await file.arrayBuffer());
      await useModel(openModelFile(file.name, bytes, loadOrt), "file");
      modelStatus.textContent = `Opened ${file.name}; Generate now uses it.`;
    } catch (error) {
      failModel(file.name, error);
    }
  }
}

async function plotMetricsFile(file: File): Promise<void> {
  showMetrics(parseMetricsJsonl(await file.text(), file.name), file.name);
  modelStatus.textContent = `Plotted ${file.name} under "Training run".`;
}

async function loadBundled(): Promise<void> {
  hideError(modelError);
  say("Loading the bundled model…");
  const bytes = await fetchBytes("model.safetensors");
  await useModel(
    openSafetensors("model.safetensors", bytes, loadOrt, () => fetchBytes("model.onnx")),
    "bundled",
  );
}

async function loadBundledMetrics(): Promise<void> {
  const response = await fetch(`${MODELS_URL}metrics.jsonl`);
  if (!response.ok) throw new Error(`could not load metrics.jsonl (HTTP ${response.status})`);
  showMetrics(parseMetricsJsonl(await response.text(), "metrics.jsonl"), "the bundled model's training run");
}

byId<HTMLFormElement>("generate").addEventListener("submit", (event) => {
  event.preventDefault();
  void generate();
});
byId("generate").addEventListener("input", () => settingsForm.refreshCli());
// Enter submits from the number fields; in the prime's textarea it is a newline, so Ctrl/⌘+Enter.
byId("prime").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    void generate();
  }
});
stopButton.addEventListener("click", () => running?.abort());
for (const radio of engineRadios) {
  radio.addEventListener("change", () => {
    if (radio.checked) void selectEngine(radio.value as EngineName);
  });
}
byId<HTMLInputElement>("model-file").addEventListener("change", (event) => {
  const input = event.currentTarget as HTMLInputElement;
  void openFiles([...(input.files ?? [])]).finally(() => {
    input.value = "";
  });
});
byId<HTMLInputElement>("metrics-file").addEventListener("change", (event) => {
  const input = event.currentTarget as HTMLInputElement;
  const file = input.files?.[0];
  if (file === undefined) return;
  const error = byId("metrics-error");
  hideError(error);
  void plotMetricsFile(file)
    .catch((e: unknown) => showError(error, `${file.name} could not be plotted.`, errorMessage(e)))
    .finally(() => {
      input.value = "";
    });
});
byId("reset-model").addEventListener("click", () => {
  void loadBundled()
    .then(() => {
      modelStatus.textContent = "Back to the bundled model.";
    })
    .catch((error: unknown) => failModel("model.safetensors", error));
});

// Drop files anywhere on the page.
document.addEventListener("dragover", (event) => {
  event.preventDefault();
  document.body.classList.add("dragging");
});
document.addEventListener("dragleave", (event) => {
  if (event.relatedTarget === null) document.body.classList.remove("dragging");
});
document.addEventListener("drop", (event) => {
  event.preventDefault();
  document.body.classList.remove("dragging");
  void openFiles([...(event.dataTransfer?.files ?? [])]);
});

async function loadTrainText(): Promise<string> {
  const response = await fetch(TRAIN_TEXT_URL);
  if (!response.ok)
    throw new Error(`could not load the training text (HTTP ${response.status}); rebuild the demo`);
  return response.text();
}

createTrainPanel({
  loadBundledText: loadTrainText,
  useModel: (bytes) => useModel(openSafetensors(TRAINED_MODEL_NAME, bytes, loadOrt), "trained"),
});

void loadBundled().catch((error: unknown) => {
  showError(runError, "The bundled model did not load; reload the page.", errorMessage(error));
  say("The bundled model did not load.");
});
void loadBundledMetrics().catch((error: unknown) =>
  showError(byId("metrics-error"), "The bundled model's training log did not load.", errorMessage(error)),
);
