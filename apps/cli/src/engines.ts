import { isCharrnnError } from "@charrnn/core";
import type { EngineOptions, TorchEngineSettings, TrainingEngine } from "@charrnn/trainer";
import { UsageError } from "./options";

export const TRAIN_ENGINES = ["auto", "ort", "tfjs", "reference", "torch"] as const;
export type TrainEngineName = (typeof TRAIN_ENGINES)[number];

/**
 * The engine factory `charrnn train` hands to the training loop:
 * - `ort`: forward + backward graphs on onnxruntime-node's native kernels (the fast default);
 * - `tfjs`: TF.js on the fastest backend that loads (tfjs-node-gpu, tfjs-node, wasm, cpu) or `--backend`;
 * - `reference`: the plain-TypeScript oracle (slow, exact);
 * - `torch`: PyTorch worker processes (GPUs, several processes or machines; `torch` settings);
 * - `auto`: `tfjs` when `--backend` names a TF.js backend, else `ort` when onnxruntime-node loads, else `tfjs`.
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
  return async (options) => {
    const trainer = await import("@charrnn/trainer");
    const tfjs = () =>
      trainer.createTfjsEngine({ ...options, ...(backend !== undefined && { backend }), log });
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
        if (backend !== undefined) return tfjs();
        try {
          return await trainer.createOrtEngine(options);
        } catch (error) {
          if (!isCharrnnError(error) || error.code !== "ORT_NOT_INSTALLED") throw error;
          log("onnxruntime-node is not installed; training with TF.js instead");
          return tfjs();
        }
    }
  };
}
