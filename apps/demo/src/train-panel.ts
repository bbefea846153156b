import { renderLineChart } from "@charrnn/chart";
import { countOf } from "./describe";
import { byId, errorMessage, hideError, showError } from "./dom";
import { createTrainForm } from "./train-form";
import type { FromTrainWorker, ToTrainWorker } from "./train-messages";

/** File name of the model trained in the page (the generator's CLI line and the download use it). */
export const TRAINED_MODEL_NAME = "trained-in-browser.safetensors";
const TRAIN_COLOUR = "#1f5fbf";
const VAL_COLOUR = "#b3401f";
const SAMPLES_KEPT = 6;
const CHART_INTERVAL_MS = 300;

export interface TrainPanelOptions {
  /** The bundled training text. */
  loadBundledText: () => Promise<string>;
  /** Makes the trained weights (a charrnn model file) the generator's model. */
  useModel: (bytes: Uint8Array) => Promise<void>;
}

type State = "idle" | "starting" | "running" | "pausing" | "paused";
type ExportPurpose = "use" | "download";

/**
 * The "Train in your browser" panel: a Web Worker trains, the page shows the step, the losses, the
 * speed, a loss chart and samples as they come, and can hand the weights to the generator.
 */
export function createTrainPanel(options: TrainPanelOptions): void {
  const form = createTrainForm(options.loadBundledText);
  const panel = byId("train-form").closest("section")!;
  const startButton = byId<HTMLButtonElement>("train-start");
  const pauseButton = byId<HTMLButtonElement>("train-pause");
  const resetButton = byId<HTMLButtonElement>("train-reset");
  const useButton = byId<HTMLButtonElement>("train-use");
  const downloadButton = byId<HTMLButtonElement>("train-download");
  const status = byId("train-status");
  const chart = byId("train-chart");
  const samples = byId("train-samples");

  let worker: Worker | undefined;
  let state: State = "idle";
  let step = 0;
  let trainLoss: [number, number][] = [];
  let valLoss: [number, number][] = [];
  let chartTimer: ReturnType<typeof setTimeout> | undefined;
  const exports: ExportPurpose[] = [];

  const buttons = [startButton, pauseButton, resetButton, useButton, downloadButton];
  // Set when the focused button got disabled (Start while starting, Pause while pausing), so that
  // keyboard users land on the button that does the next thing rather than on the page's body.
  let focusLost = false;

  const setState = (next: State) => {
    state = next;
    // Read by the end-to-end tests.
    panel.dataset.state = next;
    const focused = document.activeElement;
    startButton.disabled = next === "starting" || next === "running" || next === "pausing";
    startButton.textContent = next === "paused" ? "Resume" : "Start";
    pauseButton.disabled = next !== "running";
    resetButton.disabled = next === "idle" || next === "starting";
    useButton.disabled = next === "idle" || next === "starting";
    downloadButton.disabled = useButton.disabled;
    // While starting, the fields stay usable: a bad one gets the focus and its message.
    form.setLocked(next !== "idle" && next !== "starting");
    if (focused instanceof HTMLButtonElement && buttons.includes(focused) && focused.disabled)
      focusLost = true;
    if (focusLost) {
      const at = document.activeElement;
      const nowhere =
        at === null ||
        at === document.body ||
        (at instanceof HTMLButtonElement && buttons.includes(at) && at.disabled);
      const target = [pauseButton, startButton].find((b) => !b.disabled);
      // Focus moved on meanwhile (to a field with an error, say): leave it there.
      if (!nowhere) focusLost = false;
      else if (target !== undefined) {
        target.focus();
        focusLost = false;
      }
    }
  };

  const text = (id: string, value: string) => {
    byId(id).textContent = value;
  };

  const engineUsed = byId("train-engine-used");
  const showEngine = (label: string, skipped: readonly string[]) => {
    if (panel.dataset.engine === label) return;
    // Read by the end-to-end tests and the measuring script.
    panel.dataset.engine = label;
    engineUsed.textContent = label;
    engineUsed.title = skipped.length > 0 ? `Could not use: ${skipped.join("; ")}` : "";
  };

  const drawChart = () => {
    chartTimer = undefined;
    const width = Math.round(Math.max(320, Math.min(720, chart.clientWidth || 640)));
    const last = valLoss.at(-1);
    chart.innerHTML = renderLineChart({
      width,
      height: 240,
      title: "Loss while training here",
      description: `Training loss per step and validation loss every few steps, nats per character, over ${countOf(step, "step")}${last ? `; latest validation loss ${last[1].toFixed(3)}` : ""}.`,
      xLabel: "step",
      yLabel: "loss (nats/char)",
      series: [
        { name: "training loss", colour: TRAIN_COLOUR, points: trainLoss },
        { name: "validation loss", colour: VAL_COLOUR, points: valLoss, dots: true },
      ],
    });
  };
  const scheduleChart = () => {
    chartTimer ??= setTimeout(drawChart, CHART_INTERVAL_MS);
  };

  const addSample = (atStep: number, sample: string) => {
    const item = document.createElement("li");
    const label = document.createElement("p");
    label.className = "sample-step";
    const loss = valLoss.find(([s]) => s === atStep)?.[1];
    label.textContent = `Step ${atStep.toLocaleString("en-US")}${loss === undefined ? "" : ` · validation loss ${loss.toFixed(3)}`}`;
    const body = document.createElement("pre");
    body.className = "sample-text";
    body.textContent = sample;
    item.append(label, body);
    samples.prepend(item);
    while (samples.children.length > SAMPLES_KEPT) samples.lastElementChild?.remove();
  };

  const onMessage = (message: FromTrainWorker) => {
    switch (message.type) {
      case "ready":
        setState("running");
        showEngine(message.engine, message.skipped);
        status.textContent = `Training a ${message.paramCount.toLocaleString("en-US")}-parameter model on ${message.trainChars.toLocaleString("en-US")} characters (${message.vocabSize} distinct), validating on ${message.valChars.toLocaleString("en-US")}.`;
        return;
      case "progress":
        step = message.step;
        trainLoss.push([message.step, message.loss]);
        panel.dataset.step = String(message.step);
        text("train-step", message.step.toLocaleString("en-US"));
        text("train-loss", message.loss.toFixed(3));
        text("train-speed", Math.round(message.charsPerSec).toLocaleString("en-US"));
        showEngine(message.engine, message.skipped);
        scheduleChart();
        return;
      case "val":
        valLoss.push([message.step, message.loss]);
        panel.dataset.valLoss = String(message.loss);
        if (valLoss.length === 1) panel.dataset.firstValLoss = String(message.loss);
        text("train-val-loss", message.loss.toFixed(3));
        if (message.step > 0)
          status.textContent = `Step ${message.step}: validation loss ${message.loss.toFixed(3)} nats/char.`;
        scheduleChart();
        return;
      case "sample":
        addSample(message.step, message.text);
        return;
      case "paused":
        if (state === "pausing") {
          setState("paused");
          status.textContent = `Paused at step ${message.step}.`;
        }
        return;
      case "model":
        void handOver(message.bytes, message.step, exports.shift() ?? "use");
        return;
      case "error":
        stopWithError(new Error(message.message));
        return;
    }
  };

  const errorBox = byId("train-error");
  const fail = (message: string, error: unknown) => {
    showError(errorBox, message, errorMessage(error));
  };

  const stopWithError = (error: unknown) => {
    fail("Training stopped because of an error.", error);
    status.textContent = "Training stopped. Reset to start again.";
    if (state !== "idle") setState("paused");
    startButton.disabled = true;
  };

  const handOver = async (bytes: Uint8Array, atStep: number, purpose: ExportPurpose) => {
    if (purpose === "download") {
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
      const link = document.createElement("a");
      link.href = url;
      link.download = TRAINED_MODEL_NAME;
      link.click();
      // The download has its own copy once it started.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      status.textContent = `Saved the model as of step ${atStep} as ${TRAINED_MODEL_NAME}; sample from it with charrnn sample --model ${TRAINED_MODEL_NAME}.`;
      return;
    }
    try {
      await options.useModel(bytes);
      status.textContent = `Generate now uses this model as of step ${atStep.toLocaleString("en-US")}.`;
    } catch (error) {
      fail("The generator could not take this model.", error);
    }
  };

  const start = async () => {
    if (state === "paused" && worker !== undefined) {
      worker.postMessage({ type: "resume" } satisfies ToTrainWorker);
      setState("running");
      status.textContent = `Training resumed at step ${step}.`;
      return;
    }
    if (state !== "idle") return;
    hideError(errorBox);
    setState("starting");
    status.textContent = "Preparing the training text…";
    let request: Awaited<ReturnType<typeof form.read>>;
    try {
      request = await form.read();
    } catch (error) {
      setState("idle");
      fail("Could not load the training text.", error);
      status.textContent = "Could not load the training text.";
      return;
    }
    if (request === undefined) {
      setState("idle");
      status.textContent = "Fix the marked field to start.";
      return;
    }
    status.textContent = `Starting on ${request.source}…`;
    const w = new Worker(new URL("./train-worker.ts", import.meta.url), { type: "module" });
    worker = w;
    w.addEventListener("message", (event: MessageEvent<FromTrainWorker>) => {
      if (worker === w) onMessage(event.data);
    });
    w.addEventListener("error", (event) => {
      if (worker === w) stopWithError(new Error(event.message || "the training worker failed to start"));
    });
    w.postMessage({
      type: "start",
      text: request.text,
      settings: request.settings,
      engine: request.engine,
    } satisfies ToTrainWorker);
  };

  const reset = () => {
    hideError(errorBox);
    worker?.terminate();
    worker = undefined;
    exports.length = 0;
    step = 0;
    trainLoss = [];
    valLoss = [];
    if (chartTimer !== undefined) clearTimeout(chartTimer);
    chartTimer = undefined;
    chart.replaceChildren();
    samples.replaceChildren();
    for (const id of ["train-loss", "train-val-loss", "train-speed", "train-engine-used"]) text(id, "—");
    text("train-step", "0");
    for (const key of ["step", "valLoss", "firstValLoss", "engine"]) delete panel.dataset[key];
    setState("idle");
    status.textContent = "Reset. Change the settings or the text, then start again.";
  };

  const requestModel = (purpose: ExportPurpose) => {
    if (worker === undefined) return;
    exports.push(purpose);
    worker.postMessage({ type: "export" } satisfies ToTrainWorker);
  };

  byId<HTMLFormElement>("train-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void start();
  });
  pauseButton.addEventListener("click", () => {
    if (state !== "running" || worker === undefined) return;
    worker.postMessage({ type: "pause" } satisfies ToTrainWorker);
    setState("pausing");
    status.textContent = "Pausing after this step…";
  });
  resetButton.addEventListener("click", reset);
  useButton.addEventListener("click", () => requestModel("use"));
  downloadButton.addEventListener("click", () => requestModel("download"));
  setState("idle");
}
