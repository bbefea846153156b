// The training loop of the "Train in your browser" panel, off the page's main thread.
import { type BrowserTrainer, createBrowserTrainer } from "./browser-trainer";
import { errorMessage, nextTask } from "./dom";
import { trainEngineCandidates } from "./train-engines";
import { type FromTrainWorker, REPORT_EVERY, SAMPLE_LENGTH, type ToTrainWorker } from "./train-messages";

/** The parts of a dedicated worker's global scope used here (the project's types hold the DOM's, not the worker's). */
interface WorkerScope {
  postMessage(message: FromTrainWorker, transfer: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToTrainWorker>) => void): void;
}
const scope = self as unknown as WorkerScope;

let trainer: BrowserTrainer | undefined;
let running = false;
let looping = false;
let validatedAt = -1;
// Training time and characters of the last few updates, for a chars/s that follows the current speed.
const recent: { ms: number; chars: number }[] = [];

function post(message: FromTrainWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

async function validate(t: BrowserTrainer): Promise<void> {
  post({ type: "val", step: t.steps, loss: await t.validate() });
  validatedAt = t.steps;
}

async function report(t: BrowserTrainer): Promise<void> {
  await validate(t);
  post({ type: "sample", step: t.steps, text: await t.sample(SAMPLE_LENGTH) });
}

async function loop(t: BrowserTrainer): Promise<void> {
  if (looping) return;
  looping = true;
  try {
    while (running) {
      const started = performance.now();
      const r = await t.step();
      const ms = performance.now() - started;
      recent.push({ ms, chars: r.chars });
      if (recent.length > 10) recent.shift();
      const totalMs = recent.reduce((s, x) => s + x.ms, 0);
      const chars = recent.reduce((s, x) => s + x.chars, 0);
      post({
        type: "progress",
        step: r.step,
        loss: r.loss,
        charsPerSec: totalMs > 0 ? (chars * 1000) / totalMs : 0,
        engine: t.engineLabel,
        skipped: t.skippedEngines,
      });
      if (r.step % REPORT_EVERY === 0) await report(t);
      // Lets the worker read the page's messages (pause, export) between updates.
      await nextTask();
    }
    post({ type: "paused", step: t.steps });
  } finally {
    looping = false;
  }
}

async function handle(message: ToTrainWorker): Promise<void> {
  switch (message.type) {
    case "start": {
      if (trainer !== undefined) throw new Error("this worker already trains a model; reset first");
      const t = await createBrowserTrainer(
        message.text,
        message.settings,
        await trainEngineCandidates(message.engine),
      );
      trainer = t;
      post({
        type: "ready",
        vocabSize: t.vocab.size,
        paramCount: t.paramCount,
        windowsPerEpoch: t.windowsPerEpoch,
        trainChars: t.trainChars,
        valChars: t.valChars,
        engine: t.engineLabel,
        skipped: t.skippedEngines,
      });
      running = true;
      await report(t);
      await loop(t);
      return;
    }
    case "resume":
      if (trainer === undefined) return;
      running = true;
      await loop(trainer);
      return;
    case "pause":
      running = false;
      return;
    case "export": {
      if (trainer === undefined) return;
      // The model file then says how good it is at this very step.
      if (validatedAt !== trainer.steps) await validate(trainer);
      const bytes = await trainer.modelFile();
      post({ type: "model", step: trainer.steps, bytes }, [bytes.buffer]);
      return;
    }
  }
}

scope.addEventListener("message", (event) => {
  handle(event.data).catch((error: unknown) => {
    running = false;
    post({ type: "error", message: errorMessage(error) });
  });
});
