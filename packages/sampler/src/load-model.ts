import { type ModelConfig, type ParseModelOptions, parseModel } from "@charrnn/models";
import { Vocab } from "@charrnn/vocab";
import { createStepModel, type SamplerEngine, type SamplerStepModel } from "./create-step-model";
import { createTsStepModel, type TsStepModel } from "./ts-engine";

/** Options of {@link loadModelFromBytes}. */
export interface LoadModelOptions {
  /** Refuse a model trained with another vocabulary (`MODEL_VOCAB_MISMATCH`). */
  expectVocabHash?: string;
  /** File name for error messages. */
  source?: string;
  /** See {@link TsStepModelOptions.maxInputTable}. */
  maxInputTable?: number;
}

/** A model file opened for inference with the plain-TypeScript engine. */
export interface LoadedModel {
  model: TsStepModel;
  vocab: Vocab;
  config: ModelConfig;
}

/**
 * Opens charrnn model bytes (safetensors with config and vocab) for sampling: checks every shape
 * and the vocab hash (`parseModel`, `Vocab.fromJSON`) and builds the plain-TypeScript engine.
 * @example
 * const { model, vocab } = loadModelFromBytes(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 * const { text } = await generate(model, vocab, { prime: "ROMEO:" });
 */
export function loadModelFromBytes(bytes: Uint8Array, options: LoadModelOptions = {}): LoadedModel {
  const { file, vocab } = parse(bytes, options);
  const engineOptions = { config: file.config, params: file.params };
  const model = createTsStepModel(
    options.maxInputTable === undefined
      ? engineOptions
      : { ...engineOptions, maxInputTable: options.maxInputTable },
  );
  return { model, vocab, config: file.config };
}

/** Options of {@link openModelFromBytes}. */
export interface OpenModelOptions extends LoadModelOptions {
  /** `auto` (the default): WebAssembly SIMD where available, else plain TypeScript. */
  engine?: SamplerEngine | "auto";
}

/** A model file opened on one of the sampler's engines. */
export interface OpenedModel {
  model: SamplerStepModel;
  vocab: Vocab;
  config: ModelConfig;
}

/**
 * {@link loadModelFromBytes} on the fastest engine this runtime has without native code: the
 * WebAssembly SIMD engine where available (Node ≥ 16.4, current browsers), else plain TypeScript.
 * An int8 model file runs on int8 kernels there (on its dequantized weights in plain TypeScript).
 * @example
 * const { model, vocab } = await openModelFromBytes(bytes);
 * const { text } = await generate(model, vocab, { prime: "ROMEO:" });
 */
export async function openModelFromBytes(
  bytes: Uint8Array,
  options: OpenModelOptions = {},
): Promise<OpenedModel> {
  const { file, vocab } = parse(bytes, options);
  const model = await createStepModel({
    config: file.config,
    params: file.params,
    // An int8 file's matrices as stored: the WebAssembly engine computes on them directly.
    ...(file.int8 === undefined ? {} : { int8: file.int8 }),
    ...(options.engine === undefined ? {} : { engine: options.engine }),
    ...(options.maxInputTable === undefined ? {} : { maxInputTable: options.maxInputTable }),
  });
  return { model, vocab, config: file.config };
}

function parse(bytes: Uint8Array, options: LoadModelOptions) {
  const parseOptions: ParseModelOptions = {};
  if (options.expectVocabHash !== undefined) parseOptions.expectVocabHash = options.expectVocabHash;
  if (options.source !== undefined) parseOptions.source = options.source;
  const file = parseModel(bytes, parseOptions);
  return { file, vocab: Vocab.fromJSON(file.vocab) };
}
