// Where the page trains: onnxruntime-web on the ORT engine's generated graphs (WebGPU where the
// browser has an adapter, else WebAssembly SIMD, multi-threaded when the page is cross-origin
// isolated), falling back to the plain-TS reference engine. Loaded in the training worker only.
import type { OrtModule } from "@charrnn/onnx";
import { createOrtRuntimeEngine } from "@charrnn/trainer/browser";
import { REFERENCE_CANDIDATE } from "./browser-trainer";
import type { EngineCandidate } from "./fallback-engine";
import type { TrainEngineChoice } from "./train-messages";

/** More threads than this gain nothing on models of this size, and leave the page fewer cores. */
const MAX_THREADS = 4;

/** WebAssembly threads need SharedArrayBuffer, which needs a cross-origin-isolated page (COOP/COEP). */
export function wasmThreads(): number {
  if (!globalThis.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(MAX_THREADS, globalThis.navigator?.hardwareConcurrency ?? 1));
}

interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<unknown> };
}

async function hasWebGpu(): Promise<boolean> {
  const gpu = (globalThis.navigator as GpuNavigator | undefined)?.gpu;
  if (gpu === undefined) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

function configure(ort: typeof import("onnxruntime-web/wasm"), wasm: string, threads: number): OrtModule {
  // Absolute: the worker's own URL is the base, not the page's.
  ort.env.wasm.wasmPaths = { wasm: new URL(wasm, globalThis.location.href).href };
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = "error";
  return ort;
}

function ortCandidate(label: string, load: () => Promise<OrtModule>, providers: string[]): EngineCandidate {
  return {
    label,
    create: async (options) =>
      createOrtRuntimeEngine({
        ...options,
        ort: await load(),
        backend: label,
        sessionOptions: { executionProviders: providers, graphOptimizationLevel: "all" },
      }),
  };
}

/** The engines to try for `choice`, fastest first; the reference engine always comes last. */
export async function trainEngineCandidates(choice: TrainEngineChoice): Promise<EngineCandidate[]> {
  if (choice === "reference") return [REFERENCE_CANDIDATE];
  const candidates: EngineCandidate[] = [];
  if (choice === "auto" && (await hasWebGpu())) {
    candidates.push(
      ortCandidate("onnxruntime-web · WebGPU", async () => {
        const [ort, wasm] = await Promise.all([
          import("onnxruntime-web/webgpu"),
          import("onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url"),
        ]);
        return configure(ort, wasm.default, wasmThreads());
      }, ["webgpu"]),
    );
  }
  const threads = wasmThreads();
  candidates.push(
    ortCandidate(`onnxruntime-web · WebAssembly SIMD, ${threads} thread${threads === 1 ? "" : "s"}`, async () => {
      const [ort, wasm] = await Promise.all([
        import("onnxruntime-web/wasm"),
        import("onnxruntime-web/ort-wasm-simd-threaded.wasm?url"),
      ]);
      return configure(ort, wasm.default, threads);
    }, ["wasm"]),
  );
  candidates.push(REFERENCE_CANDIDATE);
  return candidates;
}
