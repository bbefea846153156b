/**
 * `@charrnn/trainer/tfjs`: the TF.js training engine (tfjs-node, wasm or cpu backends), its step
 * model and backend selection. TF.js is an optional peer of @charrnn/trainer: install
 * `@tensorflow/tfjs-core @tensorflow/tfjs-backend-cpu @tensorflow/tfjs-backend-wasm` to use this
 * entry. The main entry never imports it; `importTfjs()` loads it on demand with an install hint
 * when TF.js is missing (tfjs-entry.test.ts checks both).
 */

export type { BackendSelection, SelectBackendOptions } from "./engine/backend";
export { selectBackend } from "./engine/backend";
export type { TfjsEngine, TfjsEngineOptions } from "./engine/tfjs-engine";
export { createTfjsEngine } from "./engine/tfjs-engine";
export type { TfjsStepModelOptions } from "./engine/tfjs-step-model";
export { createTfjsStepModel } from "./engine/tfjs-step-model";
