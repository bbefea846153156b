import { CharrnnError } from "@charrnn/core";
import type { Vocab } from "@charrnn/vocab";
import { importOrtNode } from "./load-ort-node";
import {
  createOrtStepModel,
  type OrtModule,
  type OrtStepModel,
  type OrtStepModelOptions,
} from "./ort-step-model";

/** Options of {@link loadOnnxModel}. */
export interface LoadOnnxModelOptions extends OrtStepModelOptions {
  /** The onnxruntime module to run with. @defaultValue `await importOrtNode()` (`@charrnn/onnx/ort-node`) */
  ort?: OrtModule;
}

/** An ORT step model with the vocabulary it samples with. */
export interface LoadedOnnxModel {
  model: OrtStepModel;
  vocab: Vocab;
}

/**
 * Loads an ONNX char model from a file path or its bytes and wraps it in a `StepModel`. The vocabulary
 * comes from the file's charrnn metadata or the `vocab` option (required for foreign files); the
 * runtime from the `ort` option, else `onnxruntime-node` (throws `ORT_NOT_INSTALLED` when missing).
 * @example
 * const { model, vocab } = await loadOnnxModel("model.onnx");
 */
export async function loadOnnxModel(
  pathOrBytes: string | Uint8Array,
  options: LoadOnnxModelOptions = {},
): Promise<LoadedOnnxModel> {
  const ort = options.ort ?? (await importOrtNode({ alternative: "or pass the ort option" }));
  let bytes: Uint8Array;
  let source = options.source;
  if (typeof pathOrBytes === "string") {
    source ??= pathOrBytes;
    // Browser bundles never reach this branch; a variable specifier keeps them from resolving node:fs.
    const fsModule = "node:fs/promises";
    const { readFile } = (await import(/* @vite-ignore */ fsModule)) as typeof import("node:fs/promises");
    try {
      bytes = await readFile(pathOrBytes);
    } catch (cause) {
      throw new CharrnnError("ONNX_READ_FAILED", `cannot read ${pathOrBytes}: ${(cause as Error).message}`, {
        cause,
      });
    }
  } else {
    bytes = pathOrBytes;
  }
  const model = await createOrtStepModel(ort, bytes, source === undefined ? options : { ...options, source });
  if (model.vocab === undefined) {
    await model.dispose();
    throw new CharrnnError(
      "ONNX_NO_VOCAB",
      `${source ?? "the ONNX model"} has no charrnn vocabulary in its metadata; pass the vocab (a JSON array of tokens, index = id)`,
    );
  }
  return { model, vocab: model.vocab };
}
