import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CharrnnError } from "@charrnn/core";
import { makeDirs, writeFileAtomic } from "@charrnn/core/node";
import type { TfjsLayersModel, TfjsModelJSON } from "./tfjs-format";

/**
 * Writes a layers model into `dir` (created if needed): the weight shards first, then `model.json`
 * (with `writeFileAtomic`), so a reader never finds a `model.json` without its shards.
 */
export async function writeTfjsLayersModel(dir: string, model: TfjsLayersModel): Promise<void> {
  try {
    makeDirs(dir);
    for (const [path, bytes] of model.shards) await writeFile(join(dir, path), bytes);
    writeFileAtomic(join(dir, "model.json"), new TextEncoder().encode(JSON.stringify(model.modelJson)));
  } catch (cause) {
    throw new CharrnnError(
      "TFJS_WRITE_FAILED",
      `cannot write the TF.js model into ${dir}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/** Reads `dir/model.json` and every weight shard it lists. */
export async function readTfjsLayersModel(dir: string): Promise<TfjsLayersModel> {
  const jsonPath = join(dir, "model.json");
  let modelJson: TfjsModelJSON;
  try {
    modelJson = JSON.parse(await readFile(jsonPath, "utf8")) as TfjsModelJSON;
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === "ENOENT";
    throw new CharrnnError(
      missing ? "TFJS_NOT_FOUND" : "TFJS_INVALID",
      missing
        ? `${jsonPath} does not exist; point --tfjs at the directory holding a TF.js layers model's model.json`
        : `cannot read ${jsonPath}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const shards = new Map<string, Uint8Array>();
  for (const group of Array.isArray(modelJson.weightsManifest) ? modelJson.weightsManifest : []) {
    for (const path of group.paths ?? []) {
      if (path.includes("..") || path.startsWith("/")) {
        throw new CharrnnError(
          "TFJS_INVALID",
          `${jsonPath} lists weight shard ${path} outside its directory`,
        );
      }
      try {
        shards.set(path, await readFile(join(dir, path)));
      } catch (cause) {
        throw new CharrnnError(
          "TFJS_INVALID",
          `cannot read weight shard ${join(dir, path)}: ${(cause as Error).message}`,
          {
            cause,
          },
        );
      }
    }
  }
  return { modelJson, shards };
}
