import { readFile } from "node:fs/promises";
import { CharrnnError } from "@charrnn/core";
import type { ModelFile } from "@charrnn/models";
import type { StepModel } from "@charrnn/sampler";
import { Vocab } from "@charrnn/vocab";
import { UsageError } from "./options";

/** `--engine` choices of the inference commands: the sampler's own engines, and onnxruntime-node. */
export const INFERENCE_ENGINES = ["wasm", "ts", "onnx"] as const;
export type EngineName = (typeof INFERENCE_ENGINES)[number];

/** Flags that map a foreign ONNX model's input/output names. */
export interface OnnxNameFlags {
  onnxTokens?: string;
  onnxH0?: string;
  onnxC0?: string;
  onnxLogits?: string;
  onnxH?: string;
  onnxC?: string;
}

export interface OpenModelOptions extends OnnxNameFlags {
  engine?: EngineName;
  /** A vocabulary file (JSON array of tokens, or charrnn vocab JSON) for models that carry none. */
  vocabFile?: string;
}

export interface OpenedModel {
  model: StepModel;
  vocab: Vocab;
  /** The charrnn model file, when the source is one (not an .onnx file). */
  file?: ModelFile;
  engine: EngineName;
  source: string;
}

/**
 * Opens what `--model` names for inference: a training output directory, a model file, or an `.onnx`
 * file, on the engine `--engine` asks for: by default the fastest one without native code (`wasm` where
 * WebAssembly SIMD is available, else `ts`), and always `onnx` for `.onnx` files.
 */
export async function openModel(path: string, options: OpenModelOptions = {}): Promise<OpenedModel> {
  const vocab = options.vocabFile === undefined ? undefined : await readVocabFile(options.vocabFile);
  if (path.endsWith(".onnx")) {
    if (options.engine !== undefined && options.engine !== "onnx") {
      throw new UsageError(`--engine ${options.engine} cannot run ${path}: .onnx files run on --engine onnx`);
    }
    const { loadOnnxModel } = await import("@charrnn/onnx");
    const loaded = await loadOnnxModel(path, { ...(vocab ? { vocab } : {}), names: onnxNames(options) });
    return { model: loaded.model, vocab: loaded.vocab, engine: "onnx", source: path };
  }
  const { loadModel } = await import("@charrnn/models/node");
  const file = await loadModel(path, vocab ? { expectVocabHash: vocab.hash } : {});
  const fileVocab = Vocab.fromJSON(file.vocab);
  if (options.engine === "onnx") {
    const { exportOnnx, loadOnnxModel } = await import("@charrnn/onnx");
    const bytes = exportOnnx({ config: file.config, vocab: file.vocab, params: file.params });
    const loaded = await loadOnnxModel(bytes, { source: path });
    return { model: loaded.model, vocab: loaded.vocab, file, engine: "onnx", source: path };
  }
  const { createStepModel } = await import("@charrnn/sampler");
  const model = await createStepModel({
    config: file.config,
    params: file.params,
    ...(file.int8 === undefined ? {} : { int8: file.int8 }),
    ...(options.engine === undefined ? {} : { engine: options.engine }),
  });
  return { model, vocab: fileVocab, file, engine: model.engine, source: path };
}

/** Reads `--vocab FILE`: a JSON array of tokens (index = id) or a charrnn vocab JSON. */
export async function readVocabFile(path: string): Promise<Vocab> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new CharrnnError(
      "VOCAB_FILE_UNREADABLE",
      `cannot read vocab file ${path}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new CharrnnError(
      "VOCAB_FILE_INVALID",
      `vocab file ${path} is not valid JSON; give a JSON array of tokens (index = id) or a charrnn vocab file`,
      { cause },
    );
  }
  // Fixture files (e.g. torch_char_gru.io.json) carry the token array under a `vocab` key.
  const tokens = isRecord(json) && Array.isArray(json.vocab) ? json.vocab : json;
  return Vocab.fromJSON(tokens as Parameters<typeof Vocab.fromJSON>[0]);
}

function onnxNames(flags: OnnxNameFlags): Record<string, string> {
  const names: Record<string, string> = {};
  if (flags.onnxTokens) names.tokens = flags.onnxTokens;
  if (flags.onnxH0) names.h0 = flags.onnxH0;
  if (flags.onnxC0) names.c0 = flags.onnxC0;
  if (flags.onnxLogits) names.logits = flags.onnxLogits;
  if (flags.onnxH) names.h = flags.onnxH;
  if (flags.onnxC) names.c = flags.onnxC;
  return names;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
