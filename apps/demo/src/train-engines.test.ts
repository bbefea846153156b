import { afterEach, describe, expect, it, vi } from "vitest";
import { REFERENCE_CANDIDATE } from "./browser-trainer";
import { trainEngineCandidates, wasmThreads } from "./train-engines";

const labels = async (choice: Parameters<typeof trainEngineCandidates>[0]) =>
  (await trainEngineCandidates(choice)).map((c) => c.label);

function browser(options: { isolated: boolean; cores: number; adapter?: unknown }): void {
  vi.stubGlobal("crossOriginIsolated", options.isolated);
  const gpu = "adapter" in options ? { requestAdapter: async () => options.adapter } : undefined;
  vi.stubGlobal("navigator", { hardwareConcurrency: options.cores, ...(gpu ? { gpu } : {}) });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("trainEngineCandidates", () => {
  it("tries WebGPU, then threaded WebAssembly, then the reference engine", async () => {
    browser({ isolated: true, cores: 8, adapter: {} });
    expect(await labels("auto")).toEqual([
      "onnxruntime-web · WebGPU",
      "onnxruntime-web · WebAssembly SIMD, 4 threads",
      REFERENCE_CANDIDATE.label,
    ]);
  });

  it("skips WebGPU without an adapter (or without navigator.gpu), and when WebAssembly is asked for", async () => {
    browser({ isolated: true, cores: 2, adapter: null });
    expect(await labels("auto")).toEqual([
      "onnxruntime-web · WebAssembly SIMD, 2 threads",
      REFERENCE_CANDIDATE.label,
    ]);
    browser({ isolated: true, cores: 2 });
    expect(await labels("auto")).toHaveLength(2);
    browser({ isolated: true, cores: 2, adapter: {} });
    expect(await labels("wasm")).toEqual([
      "onnxruntime-web · WebAssembly SIMD, 2 threads",
      REFERENCE_CANDIDATE.label,
    ]);
    expect(await labels("reference")).toEqual([REFERENCE_CANDIDATE.label]);
  });

  it("uses one thread when the page is not cross-origin isolated (no SharedArrayBuffer)", async () => {
    browser({ isolated: false, cores: 8 });
    expect(wasmThreads()).toBe(1);
    expect((await labels("auto"))[0]).toBe("onnxruntime-web · WebAssembly SIMD, 1 thread");
  });
});
