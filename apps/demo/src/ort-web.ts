import type { OrtModule } from "@charrnn/onnx";
// Vite copies the runtime's wasm into the build and gives its URL, so the page works offline.
import wasmUrl from "onnxruntime-web/ort-wasm-simd-threaded.wasm?url";

let loading: Promise<OrtModule> | undefined;

/**
 * Loads onnxruntime-web (the WebAssembly-only build) on first use. One thread: threads need
 * SharedArrayBuffer, i.e. a cross-origin-isolated page, and these models are too small to gain.
 */
export function loadOrt(): Promise<OrtModule> {
  loading ??= import("onnxruntime-web/wasm").then((ort) => {
    ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, document.baseURI).href };
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = "error";
    return ort;
  });
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
