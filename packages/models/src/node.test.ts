import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import { afterAll, describe, expect, it } from "vitest";
import { defaultConfig } from "./config";
import { initParams } from "./init-params";
import type { ModelFile } from "./model-file";
import { loadModel, saveModel } from "./node";

const config = defaultConfig({ cell: "lstm", layers: 1, hidden: 2, vocabSize: 3, input: "onehot" });
const model: ModelFile = {
  config,
  vocab: Vocab.fromJSON(["a", "b", "c"]).toJSON(),
  params: initParams(config, createRng(1)),
};
const root = await mkdtemp(join(tmpdir(), "charrnn-models-"));
afterAll(() => rm(root, { recursive: true, force: true }));

describe("saveModel / loadModel", () => {
  it("saves atomically (no temp file left) and loads from the file or its directory", async () => {
    const dir = join(root, "run", "nested");
    const path = join(dir, "model.safetensors");
    await saveModel(path, model);
    await saveModel(path, model); // overwrite
    expect(await readdir(dir)).toEqual(["model.safetensors"]);
    expect((await loadModel(path)).params).toEqual(model.params);
    expect((await loadModel(dir, { expectVocabHash: model.vocab.hash! })).config).toEqual(config);
  });

  it("names the path in every error", async () => {
    await expect(loadModel(join(root, "nope.safetensors"))).rejects.toMatchObject({
      code: "MODEL_NOT_FOUND",
      message: expect.stringContaining("nope.safetensors does not exist"),
    });
    await expect(loadModel(root)).rejects.toMatchObject({
      code: "MODEL_NOT_FOUND",
      message: expect.stringContaining(`${root} has no model.safetensors`),
    });
    const bad = join(root, "bad.safetensors");
    await writeFile(bad, "garbage!");
    await expect(loadModel(bad)).rejects.toMatchObject({
      code: "MODEL_FILE_CORRUPT",
      message: expect.stringContaining(`model file ${bad} is damaged`),
    });
  });
});
