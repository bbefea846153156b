/**
 * The one place charrnn loads onnxruntime-node: the `@charrnn/onnx/ort-node` entry. It imports only
 * `@charrnn/core`, so every package that runs onnxruntime-node can use it without an upward edge.
 */
import { CharrnnError } from "@charrnn/core";

/** onnxruntime-node's module namespace. */
export type OrtNodeModule = typeof import("onnxruntime-node");

/** The variable onnxruntime reads to switch its telemetry off. */
export const ORT_TELEMETRY_VARIABLE = "ORT_DISABLE_TELEMETRY";

/**
 * Sets `ORT_DISABLE_TELEMETRY=1` unless the variable is already set (the user's value wins, empty
 * included). onnxruntime-node's Linux build carries Microsoft's 1DS telemetry: each process that
 * creates a session writes `$TMPDIR/mat-debug-<pid>.log`, `$TMPDIR/.ses` and a SQLite upload queue
 * under `~/.cache/Microsoft/DeveloperTools/.onnxruntime/`. The native code reads the variable when
 * it starts, so this must run before onnxruntime-node is first imported.
 */
export function disableOrtTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  if (env[ORT_TELEMETRY_VARIABLE] === undefined) env[ORT_TELEMETRY_VARIABLE] = "1";
}

/** Options of {@link importOrtNode}. */
export interface ImportOrtNodeOptions {
  /** What else the caller can do without onnxruntime-node, appended to the error (e.g. "or use the tfjs engine"). */
  alternative?: string;
  /** The module to import; a parameter only so tests can name a missing one. @defaultValue "onnxruntime-node" */
  specifier?: string;
}

/**
 * Imports onnxruntime-node (an optional peer of the packages that run it) with its telemetry off
 * (see {@link disableOrtTelemetry}). Throws `ORT_NOT_INSTALLED` with the install command.
 * @example
 * const ort = await importOrtNode();
 * const session = await ort.InferenceSession.create(bytes);
 */
export async function importOrtNode(options: ImportOrtNodeOptions = {}): Promise<OrtNodeModule> {
  const { specifier = "onnxruntime-node", alternative } = options;
  disableOrtTelemetry();
  try {
    // A variable specifier keeps bundlers from pulling the native runtime into browser builds.
    const mod = (await import(/* @vite-ignore */ specifier)) as OrtNodeModule & { default?: OrtNodeModule };
    return mod.InferenceSession === undefined && mod.default !== undefined ? mod.default : mod;
  } catch (cause) {
    throw new CharrnnError(
      "ORT_NOT_INSTALLED",
      `cannot import onnxruntime-node: npm install onnxruntime-node (set ONNXRUNTIME_NODE_INSTALL=skip if its CUDA download fails)${alternative === undefined ? "" : `, ${alternative}`}`,
      { cause },
    );
  }
}
