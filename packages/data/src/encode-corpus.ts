import { type IdArray, idArrayFor } from "@charrnn/core";
import {
  createTokenCounter,
  type OovPolicy,
  Vocab,
  type VocabBuildOptions,
  VocabOovError,
} from "@charrnn/vocab";
import { corpusFileSize, corpusText, type ReadCorpusOptions, readCorpusChunks } from "./read-corpus";

/** Options of the corpus encoders. */
export interface EncodeCorpusOptions {
  /** @defaultValue `"error"` */
  oov?: OovPolicy;
}

// Encoding a long in-memory string a slice at a time keeps the Int32Array scratch small.
const SLICE = 1 << 16;

/**
 * Encodes an in-memory corpus into the smallest typed array that holds the vocab's ids
 * (`Uint8Array` for ≤ 256 tokens). For a file, use {@link encodeCorpusFile}.
 */
export function encodeCorpus(
  text: string | { text: string },
  vocab: Vocab,
  options: EncodeCorpusOptions = {},
): IdArray {
  const source = corpusText(typeof text === "string" ? { text } : text);
  const sink = new IdSink(vocab.size, source.length);
  const encoder = vocab.encoder({ oov: options.oov });
  for (let i = 0; i < source.length; i += SLICE) sink.add(encoder.push(source.slice(i, i + SLICE)));
  sink.add(encoder.end());
  return sink.finish();
}

/**
 * Encodes a UTF-8 corpus file chunk by chunk without ever holding it as one string: memory is the
 * ids (≤ one element per byte of the file, then trimmed) plus one chunk.
 */
export async function encodeCorpusFile(
  path: string,
  vocab: Vocab,
  options: EncodeCorpusOptions & ReadCorpusOptions = {},
): Promise<IdArray> {
  // Every token covers at least one code point, and every code point at least one byte.
  const sink = new IdSink(vocab.size, await corpusFileSize(path));
  const encoder = vocab.encoder({ oov: options.oov });
  try {
    for await (const chunk of readCorpusChunks(path, options)) sink.add(encoder.push(chunk));
    sink.add(encoder.end());
  } catch (error) {
    throw inFile(error, path);
  }
  return sink.finish();
}

/**
 * Builds a vocab from a corpus file read chunk by chunk; the same vocab as `Vocab.fromText` on its
 * text. Several files count as one corpus (each file's last word ends at its end), e.g. a char vocab
 * that must cover the validation and test files too. `extraText` is counted as well (e.g. the
 * separators that join several files).
 */
export async function buildVocabFromFile(
  path: string | readonly string[],
  options: VocabBuildOptions & ReadCorpusOptions & { extraText?: string } = {},
): Promise<Vocab> {
  const level = options.level ?? "char";
  const total = new Map<string, number>();
  // Text that joins the files (a document separator) is part of the corpus too.
  if (options.extraText) {
    const counter = createTokenCounter(level);
    counter.push(options.extraText);
    for (const [token, n] of counter.end()) total.set(token, n);
  }
  for (const file of typeof path === "string" ? [path] : path) {
    const counter = createTokenCounter(level);
    for await (const chunk of readCorpusChunks(file, options)) counter.push(chunk);
    for (const [token, n] of counter.end()) total.set(token, (total.get(token) ?? 0) + n);
  }
  return Vocab.fromCounts(total, options);
}

/** Encodes each string of `texts` (e.g. the lines of a labelled data set). */
export function encodeAll(
  texts: readonly string[],
  vocab: Vocab,
  options: EncodeCorpusOptions = {},
): Int32Array[] {
  return texts.map((text) => vocab.encode(text, options));
}

/** Collects ids into a preallocated compact array. */
class IdSink {
  #ids: IdArray;
  #length = 0;

  constructor(vocabSize: number, capacity: number) {
    this.#ids = idArrayFor(vocabSize, capacity);
  }

  add(ids: Int32Array): void {
    this.#ids.set(ids, this.#length);
    this.#length += ids.length;
  }

  /** The ids, copied into an exact-size array unless they fill it already. */
  finish(): IdArray {
    return this.#length === this.#ids.length ? this.#ids : this.#ids.slice(0, this.#length);
  }
}

function inFile(error: unknown, path: string): unknown {
  if (error instanceof VocabOovError) error.message = `${path}: ${error.message}`;
  return error;
}
