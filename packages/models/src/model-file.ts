import { CharrnnError, CharrnnRangeError, isCharrnnError } from "@charrnn/core";
import { Vocab, type VocabJSON } from "@charrnn/vocab";
import type { ModelConfig } from "./config";
import { validateConfig } from "./config";
import { MODEL_DIGEST_KEY, modelDigest } from "./digest";
import { storedWeightDtype, storeTensors, widenTensors } from "./reduced-tensors";
import { decodeStoredSafetensors, encodeSafetensors, modelFileCorrupt } from "./safetensors";
import { mapStateDictNames } from "./state-dict";
import type { NamedTensors } from "./tensor";
import { checkWeightDtype, type Int8Rows, type WeightDtype } from "./weight-dtype";
import { expectedShapes, validateParams } from "./weight-layout";

/** `__metadata__.format` of a charrnn model file. */
export const MODEL_FORMAT = "charrnn-model/1";

/** The stored vocabulary: `@charrnn/vocab`'s `VocabJSON` (what `vocab.toJSON()` returns). */
export type ModelVocabJSON = VocabJSON;

/** A model ready to save, or as loaded. */
export interface ModelFile {
  config: ModelConfig;
  vocab: ModelVocabJSON;
  params: NamedTensors;
  /** Free-form training facts (steps, val loss, …), stored as JSON in `__metadata__.training`. */
  training?: Record<string, unknown>;
  /** Other `__metadata__` strings (not the reserved `format`, `config`, `vocab`, `vocabHash`, `training`, `dtype`, `sha256`). */
  metadata?: Record<string, string>;
  /**
   * Precision of the weight matrices in the file (`params` are always float32, widened on load).
   * `serializeModel` writes this dtype unless its `dtype` option says otherwise.
   * @defaultValue "f32"
   */
  dtype?: WeightDtype;
  /**
   * Set by `parseModel` for an int8 file: each int8 matrix as stored (values and per-row scales, the
   * framework-neutral layout), for engines that compute on int8 directly; `params` holds `q · scale`.
   */
  int8?: ReadonlyMap<string, Int8Rows>;
}

/** Options of `serializeModel`. */
export interface SerializeModelOptions {
  /** Precision of the weight matrices; see {@link WeightDtype}. @defaultValue `model.dtype ?? "f32"` */
  dtype?: WeightDtype;
}

/** Options of `parseModel`. */
export interface ParseModelOptions {
  /** Refuse the model unless its vocab hash is this (`MODEL_VOCAB_MISMATCH`). */
  expectVocabHash?: string;
  /** File name or path used in error messages. */
  source?: string;
  /**
   * For safetensors written by other tools (no charrnn metadata, PyTorch names such as `emb.weight`,
   * `lstm.weight_ih_l0`, `fc.bias`): the architecture and the vocabulary to load them with.
   */
  config?: ModelConfig;
  vocab?: ModelVocabJSON;
}

const RESERVED = new Set(["format", "config", "vocab", "vocabHash", "training", "dtype", MODEL_DIGEST_KEY]);

/**
 * Writes a model as safetensors bytes, tensors in layout order, after validating everything; the
 * weight matrices in `options.dtype` (int8 scales follow their matrix as `<name>.scale`).
 */
export function serializeModel(model: ModelFile, options: SerializeModelOptions = {}): Uint8Array {
  const dtype = checkWeightDtype(options.dtype ?? model.dtype ?? "f32");
  const config = validateConfig(model.config);
  validateParams(config, model.params);
  checkVocab(
    model.vocab,
    config,
    (detail) => new CharrnnError("MODEL_VOCAB_MISMATCH", `cannot save model: ${detail}`),
  );
  const hash = model.vocab.hash;
  if (typeof hash !== "string" || hash.length === 0) {
    throw new CharrnnError(
      "MODEL_VOCAB_MISMATCH",
      "cannot save model: the vocab has no hash; pass vocab.toJSON()",
    );
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    if (RESERVED.has(key))
      throw new CharrnnRangeError(`metadata.${key}`, "left to charrnn (reserved key)", value);
    if (typeof value !== "string") throw new CharrnnRangeError(`metadata.${key}`, "a string", value);
    metadata[key] = value;
  }
  metadata.format = MODEL_FORMAT;
  metadata.config = JSON.stringify(config);
  metadata.vocab = JSON.stringify(model.vocab);
  metadata.vocabHash = hash;
  if (model.training !== undefined) metadata.training = JSON.stringify(model.training);
  if (dtype !== "f32") metadata.dtype = dtype;
  const ordered: NamedTensors = new Map();
  for (const name of expectedShapes(config).keys()) ordered.set(name, model.params.get(name)!);
  const stored = storeTensors(config, ordered, dtype);
  metadata[MODEL_DIGEST_KEY] = modelDigest(stored, metadata);
  return encodeSafetensors(stored, metadata);
}

/**
 * Parses model bytes, checking the container, the metadata, every tensor shape and the vocab hash.
 * Errors (`CharrnnError`): `MODEL_FILE_CORRUPT`, `MODEL_DTYPE_UNSUPPORTED`, `MODEL_METADATA_MISSING`,
 * `MODEL_FORMAT_UNSUPPORTED`, `MODEL_SHAPE_MISMATCH`, `MODEL_NONFINITE`, `MODEL_VOCAB_MISMATCH`.
 */
export function parseModel(bytes: Uint8Array, options: ParseModelOptions = {}): ModelFile {
  const source = options.source ?? "<bytes>";
  const corrupt = (detail: string): CharrnnError => modelFileCorrupt(source, detail);
  const { tensors: stored, metadata: meta } = decodeStoredSafetensors(bytes, { source });
  // First, so that any flipped byte reads as damage. Files written before the digest existed (or by
  // other tools) carry none; they still load.
  const digest = meta?.[MODEL_DIGEST_KEY];
  if (
    meta?.format?.startsWith("charrnn-model/") &&
    digest !== undefined &&
    digest !== modelDigest(stored, meta)
  ) {
    throw corrupt(
      `its content does not match the sha256 digest it carries (__metadata__.${MODEL_DIGEST_KEY})`,
    );
  }
  const dtype = storedWeightDtype(stored);
  const { params: tensors, int8 } = widenTensors(stored, source);
  const format = meta?.format;
  if (format === undefined) return withDtype(parseForeign(tensors, meta, options, source), dtype, int8);
  if (format !== MODEL_FORMAT) {
    throw new CharrnnError(
      "MODEL_FORMAT_UNSUPPORTED",
      `model file ${source} has format ${JSON.stringify(format)}, this charrnn reads ${MODEL_FORMAT}; upgrade charrnn`,
    );
  }
  const metadata = meta!;
  if ((metadata.dtype ?? "f32") !== dtype) {
    throw corrupt(
      `__metadata__.dtype says ${JSON.stringify(metadata.dtype ?? "f32")} but its tensors are ${dtype}`,
    );
  }
  const config = parseJSONField(metadata, "config", corrupt) as ModelConfig;
  try {
    validateConfig(config);
  } catch (error) {
    if (error instanceof CharrnnRangeError) throw corrupt(`its config is invalid (${error.message})`);
    throw error;
  }
  checkTensorCount(config, tensors, corrupt);
  const vocab = parseJSONField(metadata, "vocab", corrupt) as ModelVocabJSON;
  checkVocab(vocab, config, (detail) => corrupt(detail));
  try {
    Vocab.fromJSON(vocab);
  } catch (error) {
    if (isCharrnnError(error)) throw corrupt(`its vocabulary is invalid (${error.message})`);
    throw error;
  }
  const vocabHash = metadata.vocabHash;
  if (typeof vocabHash !== "string") throw corrupt("__metadata__ has no vocabHash");
  if (vocab.hash !== undefined && vocab.hash !== vocabHash) {
    throw corrupt(`the stored vocab says ${vocab.hash} but vocabHash says ${vocabHash}`);
  }
  checkExpectedHash(vocabHash, options.expectVocabHash, source);
  validateParams(config, tensors, `model file ${source}`);
  const params: NamedTensors = new Map();
  for (const name of expectedShapes(config).keys()) params.set(name, tensors.get(name)!);
  const result: ModelFile = { config, vocab, params, metadata: extraMetadata(metadata) };
  if (metadata.training !== undefined) {
    const training = parseJSONField(metadata, "training", corrupt);
    if (typeof training !== "object" || training === null || Array.isArray(training)) {
      throw corrupt("__metadata__.training is not a JSON object");
    }
    result.training = training as Record<string, unknown>;
  }
  return withDtype(result, dtype, int8);
}

function withDtype(file: ModelFile, dtype: WeightDtype, int8: Map<string, Int8Rows>): ModelFile {
  if (dtype !== "f32") file.dtype = dtype;
  if (int8.size > 0) file.int8 = int8;
  return file;
}

function parseForeign(
  tensors: NamedTensors,
  meta: Record<string, string> | undefined,
  options: ParseModelOptions,
  source: string,
): ModelFile {
  const { config, vocab } = options;
  if (config === undefined || vocab === undefined) {
    throw new CharrnnError(
      "MODEL_METADATA_MISSING",
      `model file ${source} has no charrnn metadata (written by another tool?); pass its config and vocab to load it`,
    );
  }
  validateConfig(config);
  checkVocab(
    vocab,
    config,
    (detail) => new CharrnnError("MODEL_VOCAB_MISMATCH", `model file ${source}: ${detail}`),
  );
  if (vocab.hash !== undefined) checkExpectedHash(vocab.hash, options.expectVocabHash, source);
  const params = mapStateDictNames(Object.fromEntries(tensors));
  validateParams(config, params, `model file ${source}`);
  return { config, vocab, params, metadata: meta === undefined ? {} : extraMetadata(meta) };
}

/**
 * Refuses a config that does not describe the tensors present, before anything is sized from it: the
 * layout has one tensor per embedding, four per layer and two for the head, so a forged `layers: 1e9`
 * is caught here rather than by building a shape table of four billion entries.
 */
function checkTensorCount(
  config: ModelConfig,
  tensors: NamedTensors,
  corrupt: (detail: string) => CharrnnError,
): void {
  const expected = (config.input === "embedding" ? 1 : 0) + 4 * config.layers + 2;
  if (expected !== tensors.size) {
    throw corrupt(
      `its config (${config.layers} ${config.cell} layers, ${config.input} input) needs ${expected} tensors but the file holds ${tensors.size}`,
    );
  }
}

function checkExpectedHash(actual: string, expected: string | undefined, source: string): void {
  if (expected !== undefined && expected !== actual) {
    throw new CharrnnError(
      "MODEL_VOCAB_MISMATCH",
      `model file ${source} was trained with vocab ${actual} but the vocab given is ${expected}; use the vocab saved with the model`,
    );
  }
}

function parseJSONField(
  metadata: Record<string, string>,
  key: string,
  corrupt: (d: string) => CharrnnError,
): unknown {
  const text = metadata[key];
  if (text === undefined) throw corrupt(`__metadata__ has no ${key}`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw corrupt(`__metadata__.${key} is not valid JSON (${(error as Error).message})`);
  }
}

function checkVocab(vocab: unknown, config: ModelConfig, fail: (detail: string) => CharrnnError): void {
  if (typeof vocab !== "object" || vocab === null) throw fail("the vocab is not a charrnn-vocab object");
  const v = vocab as Record<string, unknown>;
  if (v.format !== "charrnn-vocab" || v.version !== 1) throw fail("the vocab is not charrnn-vocab version 1");
  if (v.level !== "char" && v.level !== "word" && v.level !== "bpe")
    throw fail(`the vocab level ${JSON.stringify(v.level)} is unknown`);
  if (!Array.isArray(v.tokens) || !v.tokens.every((t) => typeof t === "string")) {
    throw fail("the vocab tokens are not a list of strings");
  }
  for (const key of ["unk", "eos"] as const) {
    const id = v[key];
    if (
      id !== null &&
      id !== undefined &&
      !(Number.isInteger(id) && (id as number) >= 0 && (id as number) < v.tokens.length)
    ) {
      throw fail(`the vocab ${key} id ${JSON.stringify(id)} is not a token id`);
    }
  }
  if (v.hash !== undefined && typeof v.hash !== "string") throw fail("the vocab hash is not a string");
  if (v.tokens.length !== config.vocabSize) {
    throw fail(`the vocab has ${v.tokens.length} tokens but the model's vocabSize is ${config.vocabSize}`);
  }
}

function extraMetadata(metadata: Record<string, string>): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) if (!RESERVED.has(key)) extra[key] = value;
  return extra;
}
