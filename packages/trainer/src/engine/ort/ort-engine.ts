import { availableParallelism } from "node:os";
import { CharrnnRangeError } from "@charrnn/core";
import { importOrtNode, type OrtNodeModule } from "@charrnn/onnx/ort-node";
import type { EngineOptions } from "../types";
import { createOrtRuntimeEngine, type OrtEngine } from "./ort-runtime-engine";

export type { OrtEngine } from "./ort-runtime-engine";

export interface OrtEngineOptions extends EngineOptions {
  /** ORT intra-op threads. @defaultValue `os.availableParallelism()` */
  threads?: number;
  /**
   * Let ORT's idle intra-op threads spin: slightly faster on an otherwise idle machine, much slower
   * when other processes share the cores. @defaultValue `false`
   */
  spinning?: boolean;
  /** The onnxruntime-node module. @defaultValue `await importOrtNode()` (`@charrnn/onnx/ort-node`) */
  ort?: Pick<OrtNodeModule, "InferenceSession" | "Tensor">;
}

/** The fast CPU engine: {@link createOrtRuntimeEngine} on onnxruntime-node's native kernels. */
export async function createOrtEngine(options: OrtEngineOptions): Promise<OrtEngine> {
  const threads = options.threads ?? availableParallelism();
  if (!(Number.isInteger(threads) && threads >= 1))
    throw new CharrnnRangeError("threads", "an integer >= 1", threads);
  return createOrtRuntimeEngine({
    ...options,
    ort: options.ort ?? (await importOrtNode({ alternative: "or use the tfjs engine" })),
    backend: "onnxruntime-node cpu",
    sessionOptions: {
      graphOptimizationLevel: "all",
      executionMode: "sequential",
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      enableCpuMemArena: true,
      enableMemPattern: true,
      // Spinning workers starve when the cores are shared (3× slower steps measured under load).
      extra: { session: { intra_op: { allow_spinning: options.spinning === true ? "1" : "0" } } },
    },
  });
}
