import { isCharrnnError } from "@charrnn/core";
import type { EngineOptions, TorchEngineSettings, TrainingEngine } from "@charrnn/trainer";
import { type EngineName, INFERENCE_ENGINES } from "./model-source";
import { parseChoiceFlag, UsageError } from "./options";

export const TRAIN_ENGINES = ["auto", "ort", "tfjs", "reference", "torch"] as const;
export type TrainEngineName = (typeof TRAIN_ENGINES)[number];

/** `--engine` of `train` and `classify train`: a training engine (an inference engine's name is pointed elsewhere). */
export function parseTrainEngine(raw: string): TrainEngineName {
  return parseEngine(
    raw,
    TRAIN_ENGINES,
    INFERENCE_ENGINES,
    "an inference engine, for sample, score and eval",
  );
}

/** `--engine` of `sample`, `score` and `eval`: an inference engine (a training engine's name is pointed elsewhere). */
export function parseInferenceEngine(raw: string): EngineName {
  return parseEngine(raw, INFERENCE_ENGINES, TRAIN_ENGINES, "a training engine, for train");
}

/** Each command's engine on onnxruntime-node: `ort` trains, `onnx` runs inference. */
const ONNXRUNTIME_TWIN: Readonly<Record<string, string>> = { onnx: "ort", ort: "onnx" };

/**
 * `--engine` means two things: the training commands pick a training engine, the inference commands
 * an inference engine. A name from the other list is refused saying so, and which name this command
 * gives the same runtime.
 */
function parseEngine<T extends string>(
  raw: string,
  choices: readonly T[],
  others: readonly string[],
  other: string,
): T {
  if (others.includes(raw) && raw !== "auto") {
    const twin = ONNXRUNTIME_TWIN[raw];
    throw new UsageError(
      `--engine must be one of ${choices.join(", ")}, got ${JSON.stringify(raw)} (${raw} is ${other}${twin === undefined ? "" : `; here onnxruntime-node is --engine ${twin}`})`,
    );
  }
  return parseChoiceFlag("--engine", raw, choices);
}

/**
 * The engine factory `charrnn train` hands to the training loop:
 * - `ort`: forward + backward graphs on onnxruntime-node's native kernels (the fast default);
 * - `tfjs`: TF.js on the fastest backend that loads (tfjs-node-gpu, tfjs-node, wasm, cpu) or `--backend`,
 *   loaded only now (`importTfjs`: TF.js is optional, and a missing install is `TFJS_NOT_INSTALLED`);
 * - `reference`: the plain-TypeScript oracle (slow, exact);
 * - `torch`: PyTorch worker processes (GPUs, several processes or machines; `torch` settings);
 * - `auto`: `tfjs` when `--backend` names a TF.js backend, else `ort` when onnxruntime-node loads, else
 *   `tfjs` when TF.js is installed, else `reference`.
 */
export function engineFactory(
  name: TrainEngineName,
  backend: string | undefined,
  log: (message: string) => void,
  torch: TorchEngineSettings = {},
): (options: EngineOptions) => Promise<TrainingEngine> {
  if ((name === "reference" || name === "ort" || name === "torch") && backend !== undefined) {
    throw new UsageError(`--backend applies to --engine tfjs; the ${name} engine has no TF.js backend`);
  }
  // What `auto` resolved to the first time: a run makes an engine for the speed probe and another
  // for training, and the fallback is decided (and logged) once.
  let auto: "ort" | "tfjs" | "reference" | undefined;
  return async (options) => {
    const trainer = await import("@charrnn/trainer");
    const tfjs = async () =>
      (await trainer.importTfjs({ alternative: "or train with --engine ort" })).createTfjsEngine({
        ...options,
        ...(backend !== undefined && { backend }),
        log,
      });
    switch (name) {
      case "reference":
        return trainer.createReferenceEngine(options);
      case "ort":
        return trainer.createOrtEngine(options);
      case "torch":
        return trainer.createTorchEngine({ ...options, ...torch, log });
      case "tfjs":
        return tfjs();
      case "auto":
        if (backend !== undefined || auto === "tfjs") return tfjs();
        if (auto === "reference") return trainer.createReferenceEngine(options);
        try {
          const engine = await trainer.createOrtEngine(options);
          auto = "ort";
          return engine;
        } catch (error) {
          if (!isCharrnnError(error) || error.code !== "ORT_NOT_INSTALLED") throw error;
        }
        try {
          const engine = await tfjs();
          auto = "tfjs";
          log("onnxruntime-node is not installed; training with TF.js instead");
          return engine;
        } catch (error) {
          if (!isCharrnnError(error) || error.code !== "TFJS_NOT_INSTALLED") throw error;
          auto = "reference";
          log("neither onnxruntime-node nor TF.js is installed; training with the (slow) reference engine");
          return trainer.createReferenceEngine(options);
        }
    }
  };
}
