import { type FileHandle, open, stat } from "node:fs/promises";
import { CharrnnError } from "@charrnn/core";
import { findInvalidUtf8, incompleteTailLength } from "./utf8";

/** A corpus: a file path, or text already in memory. */
export type CorpusSource = string | { text: string };

/** Options of the file readers. */
export interface ReadCorpusOptions {
  /** Bytes read at a time; memory for reading stays bounded by it. @defaultValue 1 MiB */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 1 << 20;

/**
 * Reads a whole corpus as a string: a UTF-8 file (a leading BOM is dropped) or `{ text }`.
 * Refuses a missing, unreadable, empty, binary or non-UTF-8 file with a `CharrnnError` naming it.
 */
export async function readCorpus(source: CorpusSource, options: ReadCorpusOptions = {}): Promise<string> {
  if (typeof source !== "string") return corpusText(source);
  const parts: string[] = [];
  for await (const chunk of readCorpusChunks(source, options)) parts.push(chunk);
  return parts.join("");
}

/** The text of an in-memory corpus, checked like a file's: BOM dropped, empty refused. */
export function corpusText(source: { text: string }): string {
  if (typeof source.text !== "string") {
    throw new CharrnnError("CORPUS_INVALID", `corpus text must be a string, got ${typeof source.text}`);
  }
  const text = source.text.charCodeAt(0) === 0xfeff ? source.text.slice(1) : source.text;
  if (text.length === 0) throw new CharrnnError("CORPUS_EMPTY", "corpus text is empty; give some text");
  return text;
}

/**
 * Decodes a UTF-8 file chunk by chunk (a character cut by a chunk boundary is completed by the next
 * chunk), so callers can count or encode a corpus larger than they want to hold as one string.
 * Checks as it goes: the errors of {@link readCorpus} come with the byte offset at fault.
 */
export async function* readCorpusChunks(
  path: string,
  options: ReadCorpusOptions = {},
): AsyncGenerator<string, void, undefined> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new CharrnnError("OPTION_RANGE", `chunkSize must be an integer >= 1, got ${chunkSize}`);
  }
  const handle = await openCorpus(path);
  try {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const buffer = new Uint8Array(chunkSize);
    let offset = 0;
    let tail = new Uint8Array(0);
    let chars = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkSize, null);
      if (bytesRead === 0) break;
      const bytes = buffer.subarray(0, bytesRead);
      const nul = bytes.indexOf(0);
      if (nul >= 0) {
        throw new CharrnnError(
          "CORPUS_NOT_UTF8",
          `corpus file ${path} looks binary (NUL byte at byte offset ${offset + nul}); give a UTF-8 text file`,
        );
      }
      let text: string;
      try {
        text = decoder.decode(bytes, { stream: true });
      } catch (error) {
        const at = Math.max(0, findInvalidUtf8(concat(tail, bytes)));
        throw notUtf8(path, offset - tail.length + at, error);
      }
      // The decoder holds back an unfinished character; keep its bytes to locate a later error.
      const recent = concat(tail, bytes.subarray(Math.max(0, bytesRead - 3)));
      tail = recent.slice(recent.length - incompleteTailLength(recent));
      offset += bytesRead;
      chars += text.length;
      if (text.length > 0) yield text;
    }
    let rest: string;
    try {
      rest = decoder.decode();
    } catch (error) {
      throw notUtf8(path, offset - tail.length, error);
    }
    chars += rest.length;
    if (rest.length > 0) yield rest;
    if (chars === 0) throw empty(path);
  } finally {
    await handle.close();
  }
}

/** Size in bytes of a corpus file, checked as {@link readCorpus} checks it. */
export async function corpusFileSize(path: string): Promise<number> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw fileError(path, error);
  }
  if (info.isDirectory()) {
    throw new CharrnnError("CORPUS_IS_DIRECTORY", `corpus path ${path} is a directory; give a text file`);
  }
  if (info.size === 0) throw empty(path);
  return info.size;
}

async function openCorpus(path: string): Promise<FileHandle> {
  await corpusFileSize(path);
  try {
    return await open(path, "r");
  } catch (error) {
    throw fileError(path, error);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function fileError(path: string, error: unknown): CharrnnError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") {
    return new CharrnnError("CORPUS_NOT_FOUND", `corpus file ${path} not found; check the path`, {
      cause: error,
    });
  }
  return new CharrnnError(
    "CORPUS_UNREADABLE",
    `cannot read corpus file ${path} (${code ?? (error as Error).message}); check that it exists and is readable`,
    { cause: error },
  );
}

function empty(path: string): CharrnnError {
  return new CharrnnError("CORPUS_EMPTY", `corpus file ${path} is empty; give a file with some text`);
}

function notUtf8(path: string, offset: number, cause: unknown): CharrnnError {
  return new CharrnnError(
    "CORPUS_NOT_UTF8",
    `corpus file ${path} is not valid UTF-8 (at byte offset ${offset}); re-save it as UTF-8, e.g. iconv -f latin1 -t utf-8`,
    { cause },
  );
}
