import "./style.css";
import { type StepModel, scoreDetailed, stream } from "@charrnn/sampler";
import { type DemoModel, type EngineName, openModelFile, openSafetensors } from "./demo-model";
import { describeDemo } from "./describe";
import { byId, errorMessage, nextTask } from "./dom";
import { parseMetricsJsonl } from "./metrics";
import { showMetrics } from "./metrics-panel";
import { findUnknownCharacter, toGenerateOptions } from "./options";
import { loadOrt } from "./ort-web";
import { createPerCharView } from "./per-char-view";
import { createSettingsForm } from "./settings-form";
import { createTrainPanel } from "./train-panel";

const ENGINE_LABELS: Record<EngineName, string> = {
  ts: "plain TypeScript",
  onnx: "onnxruntime-web (WebAssembly)",
};
const MODELS_URL = `${import.meta.env.BASE_URL}models/`;
const TRAIN_TEXT_URL = `${import.meta.env.BASE_URL}corpus/shakespeare-excerpt.txt`;

const status = byId("status");
const errorBox = byId("error");
const runButton = byId<HTMLButtonElement>("run");
const stopButton = byId<HTMLButtonElement>("stop");
const output = byId("output");
const primeOut = byId("output-prime");
const generatedOut = byId("output-generated");
const engineRadios = [...document.querySelectorAll<HTMLInputElement>('input[name="engine"]')];
const perChar = createPerCharView();

let current: DemoModel | undefined;
let engine: EngineName = "ts";
let running: AbortController | undefined;
let runFinished: Promise<void> = Promise.resolve();

const settingsForm = createSettingsForm(() => current?.name ?? "model.safetensors");

function say(message: string): void {
  status.textContent = message;
}

function fail(error: unknown): void {
  errorBox.textContent = errorMessage(error);
  errorBox.hidden = false;
}

function clearError(): void {
  errorBox.hidden = true;
  errorBox.textContent = "";
}

async function fetchBytes(name: string): Promise<Uint8Array> {
  const response = await fetch(`${MODELS_URL}${name}`);
  if (!response.ok) throw new Error(`could not load ${name} (HTTP ${response.status}); rebuild the demo`);
  return new Uint8Array(await response.arrayBuffer());
}

async function useModel(model: DemoModel): Promise<void> {
  // The running generation holds the old model's engine, which is about to be released.
  running?.abort();
  await runFinished;
  const previous = current;
  current = model;
  await previous?.dispose();
  byId("model-summary").textContent = `${model.name}: ${model.summary}`;
  for (const radio of engineRadios) {
    const name = radio.value as EngineName;
    radio.disabled = !model.engines.includes(name);
    radio.parentElement!.title = radio.disabled ? "This model file cannot run on this engine" : "";
  }
  if (!model.engines.includes(engine)) await selectEngine(model.engines[0]!);
  else await selectEngine(engine);
  settingsForm.refreshCli();
}

async function selectEngine(name: EngineName): Promise<void> {
  const model = current;
  if (model === undefined) return;
  engine = name;
  for (const radio of engineRadios) radio.checked = radio.value === name;
  say(`Starting the ${ENGINE_LABELS[name]} engine…`);
  delete output.dataset.engine;
  try {
    await model.engine(name);
    if (current !== model || engine !== name) return;
    say(describeDemo(model.engines.map((e) => ENGINE_LABELS[e])));
    // Read by the end-to-end tests: which model and engine are ready.
    output.dataset.engine = name;
    output.dataset.model = model.name;
  } catch (error) {
    fail(error);
    const fallback = model.engines.find((e) => e !== name);
    if (fallback !== undefined && current === model) await selectEngine(fallback);
  }
}

function generate(): Promise<void> {
  if (running !== undefined || current === undefined) return runFinished;
  runFinished = generateWith(current, engine);
  return runFinished;
}

async function generateWith(demo: DemoModel, engineName: EngineName): Promise<void> {
  clearError();
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
  runButton.disabled = true;
  stopButton.disabled = false;
  output.setAttribute("aria-busy", "true");
  output.dataset.state = "running";
  perChar.clear();
  primeOut.textContent = settings.prime;
  const textNode = document.createTextNode("");
  generatedOut.replaceChildren(textNode);
  try {
    const model: StepModel = await demo.engine(engineName);
    say(`Writing with the ${ENGINE_LABELS[engineName]} engine…`);
    const started = performance.now();
    const run = stream(model, vocab, toGenerateOptions(settings));
    let text = "";
    for (;;) {
      const r = await run.next();
      if (r.done === true) break;
      text += r.value.text;
      textNode.appendData(r.value.text);
      if (controller.signal.aborted) break;
      // Give the browser a turn so the text appears as it is sampled and Stop stays clickable.
      await nextTask();
    }
    const seconds = (performance.now() - started) / 1000;
    const verb = controller.signal.aborted ? "Stopped after" : "Wrote";
    const done = `${verb} ${[...text].length} characters in ${seconds.toFixed(1)} s with the ${ENGINE_LABELS[engineName]} engine.`;
    if (text.length > 0) {
      say(`${done} Scoring…`);
      perChar.show(await scoreDetailed(model, vocab, text, { prime: settings.prime, k: 5 }), vocab);
    }
    say(done);
    output.dataset.state = "done";
  } catch (error) {
    fail(error);
    say("Generation failed.");
    output.dataset.state = "failed";
  } finally {
    running = undefined;
    runButton.disabled = false;
    stopButton.disabled = true;
    output.removeAttribute("aria-busy");
  }
}

async function openFiles(files: readonly File[]): Promise<void> {
  clearError();
  for (const file of files) {
    try {
      if (/\.(jsonl|json|txt)$/i.test(file.name)) {
        await plotMetricsFile(file);
        continue;
      }
      say(`Opening ${file.name}…`);
      const bytes = new Uint8Array(await file.arrayBuffer());
      await useModel(openModelFile(file.name, bytes, loadOrt));
    } catch (error) {
      fail(error);
      say(`Could not open ${file.name}.`);
    }
  }
}

async function plotMetricsFile(file: File): Promise<void> {
  showMetrics(parseMetricsJsonl(await file.text(), file.name), file.name);
  say(`Plotted ${file.name}.`);
}

async function loadBundled(): Promise<void> {
  clearError();
  say("Loading the bundled model…");
  const bytes = await fetchBytes("model.safetensors");
  await useModel(openSafetensors("model.safetensors", bytes, loadOrt, () => fetchBytes("model.onnx")));
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
  clearError();
  void plotMetricsFile(file)
    .catch(fail)
    .finally(() => {
      input.value = "";
    });
});
byId("reset-model").addEventListener("click", () => void loadBundled().catch(fail));

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
  useModel: async (bytes, name) => {
    clearError();
    await useModel(openSafetensors(name, bytes, loadOrt));
  },
  fail,
});

void loadBundled().catch((error) => {
  fail(error);
  say("The bundled model did not load.");
});
void loadBundledMetrics().catch(fail);
