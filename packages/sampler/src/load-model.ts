import { type ModelConfig, type ParseModelOptions, parseModel } from "@charrnn/models";
import { Vocab } from "@charrnn/vocab";
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
  const parseOptions: ParseModelOptions = {};
  if (options.expectVocabHash !== undefined) parseOptions.expectVocabHash = options.expectVocabHash;
  if (options.source !== undefined) parseOptions.source = options.source;
  const file = parseModel(bytes, parseOptions);
  const vocab = Vocab.fromJSON(file.vocab);
  const engineOptions = { config: file.config, params: file.params };
  const model = createTsStepModel(
    options.maxInputTable === undefined
      ? engineOptions
      : { ...engineOptions, maxInputTable: options.maxInputTable },
  );
  return { model, vocab, config: file.config };
}
