import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CharrnnError, MODEL_FILE } from "@charrnn/core";
import { makeDirs, writeFileAtomic } from "@charrnn/core/node";
import type { ModelFile, ParseModelOptions, SerializeModelOptions } from "./model-file";
import { parseModel, serializeModel } from "./model-file";

export { readTfjsLayersModel, writeTfjsLayersModel } from "./tfjs-layers/tfjs-node-io";

/**
 * Saves a model with `writeFileAtomic` (a crash leaves either the old file or the new one, never half
 * of one). Creates the parent directory. `options.dtype` picks the precision of the weight matrices.
 */
export async function saveModel(
  path: string,
  model: ModelFile,
  options: SerializeModelOptions = {},
): Promise<void> {
  const bytes = serializeModel(model, options);
  try {
    makeDirs(dirname(path));
    writeFileAtomic(path, bytes);
  } catch (error) {
    throw new CharrnnError(
      "MODEL_WRITE_FAILED",
      `cannot write model file ${path}: ${(error as Error).message}; check the directory exists and is writable`,
      { cause: error },
    );
  }
}

/**
 * Loads a model from a file, or from a directory holding `model.safetensors`. Errors name the path:
 * `MODEL_NOT_FOUND`, `MODEL_READ_FAILED`, and everything `parseModel` throws.
 */
export async function loadModel(
  pathOrDir: string,
  options: Omit<ParseModelOptions, "source"> = {},
): Promise<ModelFile> {
  let path = pathOrDir;
  try {
    if ((await stat(pathOrDir)).isDirectory()) path = join(pathOrDir, MODEL_FILE);
  } catch (error) {
    throw notFound(pathOrDir, error);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CharrnnError(
        "MODEL_NOT_FOUND",
        `model directory ${pathOrDir} has no ${MODEL_FILE}; point at the model file or a run directory`,
        { cause: error },
      );
    }
    throw new CharrnnError(
      "MODEL_READ_FAILED",
      `cannot read model file ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return parseModel(bytes, { ...options, source: path });
}

function notFound(path: string, error: unknown): CharrnnError {
  if ((error as NodeJS.ErrnoException).code === "ENOENT") {
    return new CharrnnError("MODEL_NOT_FOUND", `model file ${path} does not exist; check the path`, {
      cause: error,
    });
  }
  return new CharrnnError(
    "MODEL_READ_FAILED",
    `cannot read model file ${path}: ${(error as Error).message}`,
    {
      cause: error,
    },
  );
}
