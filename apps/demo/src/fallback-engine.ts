import type { EngineOptions, TrainingEngine } from "@charrnn/trainer/browser";
import { errorMessage } from "./dom";

/** One way to train: a label the page shows and how to create the engine. */
export interface EngineCandidate {
  /** "onnxruntime-web · WebAssembly SIMD, 2 threads", "plain TypeScript (reference)". */
  readonly label: string;
  create(options: EngineOptions): Promise<TrainingEngine>;
}

/** A training engine that may still fall back to the next candidate. */
export interface FallbackEngine extends TrainingEngine {
  /** The candidate in use. */
  readonly label: string;
  /** One line per candidate that failed, with why ("WebGPU: no adapter"). */
  readonly skipped: readonly string[];
}

/**
 * Tries `candidates` in order. A candidate that fails to start, or fails before its first update
 * succeeded (a browser without WebGPU support for an operator, a wasm file that does not load), is
 * disposed and the next one starts from the same initial weights; after the first successful
 * update an error is the run's error. The last candidate should be one that cannot fail to start
 * (the reference engine).
 */
export async function createFallbackEngine(
  candidates: readonly EngineCandidate[],
  options: EngineOptions,
): Promise<FallbackEngine> {
  if (candidates.length === 0) throw new Error("no training engine to try");
  const skipped: string[] = [];
  let index = -1;
  let current: TrainingEngine | undefined;
  let settled = false;

  const next = async (failure?: unknown): Promise<TrainingEngine> => {
    if (failure !== undefined) {
      skipped.push(`${candidates[index]!.label}: ${errorMessage(failure)}`);
      current?.dispose();
      current = undefined;
    }
    for (;;) {
      index++;
      const candidate = candidates[index];
      if (candidate === undefined) throw failure;
      try {
        current = await candidate.create(options);
        return current;
      } catch (error) {
        if (index === candidates.length - 1) throw error;
        skipped.push(`${candidate.label}: ${errorMessage(error)}`);
      }
    }
  };

  /** Runs `call` on the current engine, moving on to the next candidate while nothing has settled. */
  const attempt = async <T>(call: (engine: TrainingEngine) => Promise<T>): Promise<T> => {
    for (;;) {
      const engine = current ?? (await next());
      try {
        return await call(engine);
      } catch (error) {
        if (settled || index === candidates.length - 1) throw error;
        await next(error);
      }
    }
  };

  await next();
  return {
    get name() {
      return current!.name;
    },
    get label() {
      return candidates[index]!.label;
    },
    get skipped() {
      return skipped;
    },
    get backend() {
      return current!.backend;
    },
    config: options.config,
    async trainStep(batch, state, opts) {
      const result = await attempt((e) => e.trainStep(batch, state, opts));
      settled = true;
      return result;
    },
    evaluate: (batch, state) => attempt((e) => e.evaluate(batch, state)),
    getParams: () => attempt((e) => e.getParams()),
    setParams: (params) => attempt((e) => e.setParams(params)),
    getOptimizerState: () => attempt((e) => e.getOptimizerState()),
    setOptimizerState: (state) => attempt((e) => e.setOptimizerState(state)),
    dispose() {
      current?.dispose();
    },
  };
}
