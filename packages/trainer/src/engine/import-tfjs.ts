/**
 * The trainer's one door to TF.js. The TF.js packages are optional peers of @charrnn/trainer, so
 * the main entry never imports them: the tfjs engine lives behind `@charrnn/trainer/tfjs`, which
 * {@link importTfjs} loads on demand and which turns a missing package into an install hint.
 */
import { CharrnnError } from "@charrnn/core";

/** Backends `selectBackend` knows; `auto` picks the fastest that loads. */
export const BACKEND_NAMES = ["auto", "tensorflow", "wasm", "cpu"] as const;

/** What the tfjs engine needs installed (the wasm backend is optional but usually the fastest). */
export const TFJS_PACKAGES = [
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-backend-cpu",
  "@tensorflow/tfjs-backend-wasm",
] as const;

/** The `@charrnn/trainer/tfjs` entry's module namespace. */
export type TfjsModule = typeof import("../tfjs");

/** Options of {@link importTfjs}. */
export interface ImportTfjsOptions {
  /** What else the caller can do without TF.js, appended to the error (e.g. "or train with --engine ort"). */
  alternative?: string;
}

/**
 * Imports the tfjs engine (`@charrnn/trainer/tfjs`). Throws `TFJS_NOT_INSTALLED` with the install
 * command when a TF.js package cannot be found; other failures pass through.
 * @example
 * const { createTfjsEngine } = await importTfjs();
 */
export async function importTfjs(options: ImportTfjsOptions = {}): Promise<TfjsModule> {
  try {
    return await import("../tfjs");
  } catch (error) {
    throw isTfjsMissing(error) ? tfjsNotInstalled(error, options.alternative) : error;
  }
}

/** True when `error` is Node's failure to find a TF.js package. */
export function isTfjsMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
    typeof message === "string" &&
    message.includes("@tensorflow/")
  );
}

/** The `TFJS_NOT_INSTALLED` error: one line, with the command that fixes it. */
export function tfjsNotInstalled(cause: unknown, alternative?: string): CharrnnError {
  return new CharrnnError(
    "TFJS_NOT_INSTALLED",
    `the tfjs engine needs TF.js, which is not installed: npm install ${TFJS_PACKAGES.join(" ")}${alternative === undefined ? "" : `, ${alternative}`}`,
    { cause },
  );
}
