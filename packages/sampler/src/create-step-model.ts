import { createTsStepModel, type TsStepModel } from "./ts-engine";
import { createWasmStepModel, type WasmStepModel, type WasmStepModelOptions } from "./wasm-engine";
import { wasmSimdSupported } from "./wasm-kernels";

/** The sampler's own engines: WebAssembly SIMD, or plain TypeScript (the fallback and oracle). */
export type SamplerEngine = "wasm" | "ts";

export interface CreateStepModelOptions extends WasmStepModelOptions {
  /** `auto` (the default): `wasm` where WebAssembly SIMD is available, else `ts`. */
  engine?: SamplerEngine | "auto";
}

/** A step model of one of the sampler's engines, with which one it is. */
export type SamplerStepModel = (TsStepModel | WasmStepModel) & { readonly engine: SamplerEngine };

/** Which engine `auto` picks here: the fastest without native code. */
export function defaultSamplerEngine(): SamplerEngine {
  return wasmSimdSupported() ? "wasm" : "ts";
}

/**
 * A step model on the fastest engine this runtime has without native code (WebAssembly SIMD, else
 * plain TypeScript), or on the one `engine` names. The plain-TS engine runs int8 models on their
 * dequantized `params`.
 * @example
 * const model = await createStepModel({ config, params });
 * model.engine; // "wasm" in Node ≥ 16.4 and current browsers
 */
export async function createStepModel(options: CreateStepModelOptions): Promise<SamplerStepModel> {
  const { engine = "auto", int8, ...rest } = options;
  const chosen = engine === "auto" ? defaultSamplerEngine() : engine;
  if (chosen === "wasm") {
    const model = await createWasmStepModel(int8 === undefined ? rest : { ...rest, int8 });
    return Object.assign(model, { engine: "wasm" as const });
  }
  return Object.assign(createTsStepModel(rest), { engine: "ts" as const });
}
