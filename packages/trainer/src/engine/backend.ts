import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAMES, isTfjsMissing, tfjsNotInstalled } from "./import-tfjs";
import { tfjsOps } from "./tfjs-ops";

export interface SelectBackendOptions {
  /**
   * `auto` (default): tfjs-node-gpu, then tfjs-node, then the faster of wasm and cpu.
   * `tensorflow`: tfjs-node-gpu or tfjs-node, or an error with the install command. `wasm`, `cpu`: that one.
   */
  backend?: string;
  /** Receives one line per decision (what was tried, what was measured). */
  log?: (message: string) => void;
  /** Loads an optional package by name; defaults to `import(name)`. Tests inject failures here. */
  load?: (specifier: string) => Promise<unknown>;
}

export interface BackendSelection {
  /** The TF.js backend now active: `tensorflow`, `wasm` or `cpu`. */
  name: string;
  /** How it was chosen, for the CLI to print, e.g. `wasm (SIMD; 2.9x faster than cpu in a 128x512 matmul)`. */
  description: string;
}

const NATIVE_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/**
 * Chooses and activates the TF.js backend. The native TensorFlow bindings win when installed (they
 * are optional peers, so they are found by dynamic import). Otherwise wasm and the pure-JS cpu
 * backend are timed once per process on a matmul shaped like an LSTM step, and the faster
 * one is used. In Node the wasm backend runs its SIMD build: tfjs-backend-wasm 4.22 only starts its
 * threaded build where Web Workers and cross-origin isolation exist (browsers), not in Node.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  // PROD silences tfjs's console banners ("install the node backend") and skips debug-only checks.
  tf.env().set("PROD", true);
  const requested = options.backend ?? "auto";
  const log = options.log ?? (() => {});
  const load = options.load ?? ((specifier: string) => import(/* @vite-ignore */ specifier));
  if (!(BACKEND_NAMES as readonly string[]).includes(requested)) {
    throw new CharrnnRangeError("backend", `one of ${BACKEND_NAMES.join(", ")}`, requested);
  }
  if (requested === "auto" || requested === "tensorflow") {
    const native = await loadNative(load, log);
    if (native !== undefined) return activate("tensorflow", `tensorflow (${native})`);
    if (requested === "tensorflow") {
      throw new CharrnnError(
        "BACKEND_UNAVAILABLE",
        "backend tensorflow needs the native bindings: run `npm install @tensorflow/tfjs-node` (or @tensorflow/tfjs-node-gpu with CUDA), or pick --backend wasm",
      );
    }
  }
  await import("@tensorflow/tfjs-backend-cpu").catch((error: unknown) => {
    throw isTfjsMissing(error) ? tfjsNotInstalled(error) : error;
  });
  if (requested === "cpu") return activate("cpu", "cpu (forced)");
  const wasmError = await loadWasm();
  if (requested === "wasm") {
    if (wasmError !== undefined) {
      throw new CharrnnError(
        "BACKEND_UNAVAILABLE",
        `backend wasm failed to load (${wasmError}); reinstall with \`npm install @tensorflow/tfjs-backend-wasm\` or pick --backend cpu`,
        { cause: wasmError },
      );
    }
    return activate("wasm", "wasm (forced)");
  }
  if (wasmError !== undefined) {
    log(`wasm backend unavailable (${wasmError}); using cpu`);
    return activate("cpu", "cpu (wasm unavailable)");
  }
  measured ??= measureEmbedded();
  const { wasm, cpu } = await measured;
  log(`matmul benchmark: wasm ${wasm.toFixed(2)} ms, cpu ${cpu.toFixed(2)} ms`);
  return wasm <= cpu
    ? activate("wasm", `wasm (${(cpu / wasm).toFixed(1)}x faster than cpu in a ${BENCH_SHAPE} matmul)`)
    : activate("cpu", `cpu (${(wasm / cpu).toFixed(1)}x faster than wasm in a ${BENCH_SHAPE} matmul)`);
}

/** Makes `name` the active backend again, e.g. after another engine switched it. */
export async function useBackend(name: string): Promise<void> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) {
    throw new CharrnnError("BACKEND_UNAVAILABLE", `TF.js backend ${name} could not be activated`);
  }
}

async function activate(name: string, description: string): Promise<BackendSelection> {
  await useBackend(name);
  await tf.ready();
  return { name, description };
}

async function loadNative(
  load: (specifier: string) => Promise<unknown>,
  log: (message: string) => void,
): Promise<string | undefined> {
  for (const specifier of NATIVE_PACKAGES) {
    try {
      await load(specifier);
      if (tf.findBackendFactory("tensorflow") !== null) return specifier;
    } catch (error) {
      log(`${specifier} not loaded: ${firstLine(error)}`);
    }
  }
  return undefined;
}

let wasmLoaded: Promise<string | undefined> | undefined;

/** Registers and initialises the wasm backend once per process; resolves to an error text on failure. */
function loadWasm(): Promise<string | undefined> {
  wasmLoaded ??= (async () => {
    try {
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      if (typeof process !== "undefined" && process.versions?.node !== undefined) {
        // In Node the .wasm files are not next to the bundle that loads them: point at the package's dist.
        const { createRequire } = await import("node:module");
        const pkg = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/package.json");
        wasm.setWasmPaths(`${pkg.slice(0, -"package.json".length)}dist/`);
      }
      const previous = tf.getBackend();
      const ok = await tf.setBackend("wasm");
      if (previous !== undefined) await tf.setBackend(previous);
      return ok ? undefined : "initialisation failed";
    } catch (error) {
      return firstLine(error);
    }
  })();
  return wasmLoaded;
}

const BENCH_SHAPE = "32x128 · 128x512";
let measured: Promise<{ wasm: number; cpu: number }> | undefined;

async function measureEmbedded(): Promise<{ wasm: number; cpu: number }> {
  return { wasm: await timeMatMul("wasm"), cpu: await timeMatMul("cpu") };
}

/**
 * Best of a few runs of tanh(h·Wᵀ + b), the per-step work of a recurrent layer, with W prepared as the
 * engine prepares it on that backend (see `tfjsOps`).
 */
async function timeMatMul(backend: string): Promise<number> {
  await useBackend(backend);
  const ops = tfjsOps(backend);
  const [a, b, bias] = tf.tidy(() => [
    tf.fill([32, 128], 0.01),
    tf.fill([512, 128], 0.02),
    tf.zeros([512]),
  ]) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
  const w = ops.prepareT(b);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 6; i++) {
    const start = performance.now();
    const out = tf.tidy(() => tf.tanh(tf.add(ops.mulT(a, w), bias)));
    out.dataSync();
    out.dispose();
    // The first run includes kernel set-up, not throughput.
    if (i > 0) best = Math.min(best, performance.now() - start);
  }
  tf.dispose([a, b, bias, w.tensor]);
  return best;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
