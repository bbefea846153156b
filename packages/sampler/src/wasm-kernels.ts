import { CharrnnError } from "@charrnn/core";
import { KERNELS_WASM_BASE64 } from "./generated/kernels-wasm";

/** The exports of `wasm/kernels.wat` (pointers are byte offsets, sizes and strides in elements). */
export interface WasmKernels {
  memory: WebAssembly.Memory;
  affine(
    w: number,
    bias: number,
    rows: number,
    cols: number,
    x: number,
    xStride: number,
    batch: number,
    out: number,
    outStride: number,
    accumulate: number,
  ): void;
  affine_i8(
    w: number,
    scales: number,
    bias: number,
    rows: number,
    cols: number,
    q: number,
    qStride: number,
    qScales: number,
    batch: number,
    out: number,
    outStride: number,
    accumulate: number,
  ): void;
  quantize(
    x: number,
    xStride: number,
    n: number,
    batch: number,
    q: number,
    qStride: number,
    scales: number,
    qmax: number,
  ): void;
  /** `hard` 1: tfjs-layers' hard-sigmoid gates; 0: the logistic sigmoid. */
  lstm(gates: number, c: number, h: number, hp: number, batch: number, hard: number): void;
  gru(gx: number, gh: number, h: number, hp: number, batch: number, hard: number): void;
  tanh(gates: number, h: number, n: number): void;
}

let bytes: Uint8Array<ArrayBuffer> | undefined;
let simd: boolean | undefined;
let compiled: Promise<WebAssembly.Module> | undefined;

function kernelBytes(): Uint8Array<ArrayBuffer> {
  bytes ??= Uint8Array.from(atob(KERNELS_WASM_BASE64), (ch) => ch.charCodeAt(0));
  return bytes;
}

/**
 * Whether this runtime can run the WebAssembly SIMD engine: it validates the engine's own module
 * (128-bit SIMD, in Node ≥ 16.4 and every current browser).
 */
export function wasmSimdSupported(): boolean {
  simd ??= typeof WebAssembly === "object" && WebAssembly.validate(kernelBytes());
  return simd;
}

/** A fresh instance of the kernels, with its own memory (the module is compiled once). */
export async function instantiateKernels(): Promise<WasmKernels> {
  if (!wasmSimdSupported()) {
    throw new CharrnnError(
      "WASM_SIMD_UNAVAILABLE",
      "this JavaScript runtime has no WebAssembly SIMD; use the ts engine (createTsStepModel, --engine ts)",
    );
  }
  compiled ??= WebAssembly.compile(kernelBytes());
  const instance = await WebAssembly.instantiate(await compiled, {});
  return instance.exports as unknown as WasmKernels;
}
