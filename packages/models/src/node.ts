import { randomBytes } from "node:crypto";
import { open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CharrnnError, MODEL_FILE } from "@charrnn/core";
import { makeDirs } from "./make-dirs";
import type { ModelFile, ParseModelOptions, SerializeModelOptions } from "./model-file";
import { parseModel, serializeModel } from "./model-file";

export { makeDirs } from "./make-dirs";
export { readTfjsLayersModel, writeTfjsLayersModel } from "./tfjs-layers/tfjs-node-io";

/**
 * Saves a model atomically: the bytes go to a temporary file in the same directory, are fsynced,
 * then renamed over `path`, so a crash leaves either the old file or the new one, never half of one.
 * Creates the parent directory. `options.dtype` picks the precision of the weight matrices.
 */
export async function saveModel(
  path: string,
  model: ModelFile,
  options: SerializeModelOptions = {},
): Promise<void> {
  const bytes = serializeModel(model, options);
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    makeDirs(dir);
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new CharrnnError(
      "MODEL_WRITE_FAILED",
      `cannot write model file ${path}: ${(error as Error).message}; check the directory exists and is writable`,
      { cause: error },
    );
  }
  await syncDirectory(dir);
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

/** Makes the rename durable; not every platform lets a directory be opened, so failures are ignored. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort (Windows cannot fsync a directory)
  }
}
