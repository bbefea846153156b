import type { EngineOptions, TrainingEngine } from "@charrnn/trainer";
import { UsageError } from "./options";

export const TRAIN_ENGINES = ["auto", "tfjs", "reference"] as const;
export type TrainEngineName = (typeof TRAIN_ENGINES)[number];

/**
 * The engine factory `charrnn train` hands to the training loop: `tfjs` on the fastest TF.js backend
 * that loads (or `--backend`), `reference` for the plain-TS oracle. `auto` picks the fastest engine.
 */
export function engineFactory(
  name: TrainEngineName,
  backend: string | undefined,
  log: (message: string) => void,
): (options: EngineOptions) => Promise<TrainingEngine> {
  if (name === "reference" && backend !== undefined) {
    throw new UsageError("--backend applies to --engine tfjs; the reference engine runs plain TypeScript");
  }
  return async (options) => {
    const trainer = await import("@charrnn/trainer");
    if (name === "reference") return trainer.createReferenceEngine(options);
    return trainer.createTfjsEngine({ ...options, ...(backend !== undefined && { backend }), log });
  };
}
