import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { CharrnnError, type IdArray, idArrayFor } from "@charrnn/core";
import type { Vocab } from "@charrnn/vocab";
import { type EncodeCorpusOptions, encodeCorpusFile } from "./encode-corpus";
import { corpusFileSize } from "./read-corpus";
import { splitCorpus } from "./split-corpus";

/** Options of {@link resolveCorpusFiles}. */
export interface ResolveCorpusOptions {
  /**
   * Which files of a directory belong to the corpus: a glob matched against each file's path
   * relative to the directory (`*` and `?` within a name, `**` across directories, `[abc]`,
   * `{a,b}`); a pattern without a `/` matches the file name at any depth.
   * @defaultValue `"*.txt"`
   */
  glob?: string;
  /** What the specs are called in errors (e.g. `"--data"`). @defaultValue `"corpus"` */
  name?: string;
}

const GLOB_CHARS = /[*?[{]/;

/**
 * The files a list of corpus specs names, sorted by path (code-unit order) without duplicates so
 * the same specs always give the same corpus: a file is itself; a directory, every file under it
 * (recursively) that matches `glob`; a pattern with `*`, `?`, `[…]` or `{…}`, the files it matches.
 * A spec that names nothing is a `CharrnnError` naming it.
 */
export async function resolveCorpusFiles(
  specs: readonly string[],
  options: ResolveCorpusOptions = {},
): Promise<string[]> {
  const name = options.name ?? "corpus";
  const found = new Set<string>();
  for (const spec of specs) {
    const files = await resolveSpec(spec, options.glob ?? "*.txt");
    if (files.length === 0) {
      throw new CharrnnError(
        "CORPUS_NO_FILES",
        `${name} ${spec} matches no file${GLOB_CHARS.test(spec) ? "" : ` (directories take the files matching ${options.glob ?? "*.txt"})`}; check the path or the pattern`,
      );
    }
    for (const f of files) found.add(f);
  }
  return [...found].sort(compareCodeUnits);
}

async function resolveSpec(spec: string, glob: string): Promise<string[]> {
  if (!GLOB_CHARS.test(spec)) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(spec);
    } catch {
      // A missing file is reported by the reader, naming it, like a single --data file always was.
      return [spec];
    }
    if (!info.isDirectory()) return [spec];
    const match = globMatcher(glob.includes("/") ? glob : `**/${glob}`);
    return (await walk(spec)).filter((file) => match(toPosix(relative(spec, file))));
  }
  // The directory part before the first segment with a glob character is walked.
  const parts = spec.split(/[\\/]/);
  const first = parts.findIndex((p) => GLOB_CHARS.test(p));
  const base = first === 0 ? "." : parts.slice(0, first).join("/") || "/";
  const match = globMatcher(parts.slice(first).join("/"));
  let files: string[];
  try {
    files = await walk(base);
  } catch {
    return [];
  }
  return files.filter((file) => match(toPosix(relative(base, file))));
}

/** Every file under `dir`, recursively (symbolic links to files count; to directories are not followed). */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile() || (entry.isSymbolicLink() && (await stat(path).catch(() => null))?.isFile()))
      out.push(path);
  }
  return out;
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A matcher for a glob over `/`-separated relative paths (see `ResolveCorpusOptions.glob`). */
export function globMatcher(glob: string): (path: string) => boolean {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      // `**/` matches zero or more directories; a trailing `**` anything.
      if (glob[i + 2] === "/") {
        re += "(?:[^/]*/)*";
        i += 2;
      } else {
        re += ".*";
        i += 1;
      }
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = end;
      }
    } else if (c === "{") {
      const end = glob.indexOf("}", i + 1);
      if (end < 0) re += "\\{";
      else {
        re += `(?:${glob
          .slice(i + 1, end)
          .split(",")
          .map((alt) =>
            alt
              .replace(/[.+^$()|\\]/g, "\\$&")
              .replace(/\*/g, "[^/]*")
              .replace(/\?/g, "[^/]"),
          )
          .join("|")})`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\\]]/g, "\\$&");
  }
  const regex = new RegExp(`^${re}$`);
  return (path) => regex.test(path);
}

/** Options of {@link encodeCorpusFiles}. */
export interface EncodeFilesOptions extends EncodeCorpusOptions {
  /** Text put between consecutive files (encoded with the vocab). @defaultValue `"\n"` */
  separator?: string;
  /**
   * Hold out the last `val` fraction of each file (`splitCorpus` on each), so validation covers
   * every source; 0 keeps every token in `train`. @defaultValue 0
   */
  val?: number;
}

/**
 * Encodes files as one corpus, in the given order with `separator` between them, each read chunk
 * by chunk (`encodeCorpusFile`): memory is the ids (preallocated from the files' sizes, as for one
 * file) plus one file's ids at a time. With `val`, the
 * last fraction of each file goes to `val` (the parts joined by the separator as well).
 */
export async function encodeCorpusFiles(
  paths: readonly string[],
  vocab: Vocab,
  options: EncodeFilesOptions = {},
): Promise<{ train: IdArray; val: IdArray }> {
  // Encoded only when files are joined: one file needs no separator in its vocab.
  const separator =
    paths.length > 1 ? vocab.encode(options.separator ?? "\n", { oov: options.oov }) : new Int32Array(0);
  const val = options.val ?? 0;
  if (paths.length === 1 && val === 0) {
    const only = await encodeCorpusFile(paths[0]!, vocab, options);
    return { train: only, val: only.subarray(0, 0) };
  }
  // Every token covers at least one byte, so the files' sizes bound the ids (as for one file); a
  // file's held-out part is at most its val fraction plus one token.
  const sizes = await Promise.all(paths.map((p) => corpusFileSize(p)));
  const seps = separator.length * paths.length;
  const total = sizes.reduce((a, b) => a + b, 0);
  const train = new IdBuffer(vocab.size, total + seps);
  const held = new IdBuffer(
    vocab.size,
    val > 0 ? sizes.reduce((a, b) => a + Math.ceil(b * val) + 1, 0) + seps : 0,
  );
  for (const [i, path] of paths.entries()) {
    const ids = await encodeCorpusFile(path, vocab, options);
    const parts = val > 0 ? splitCorpus(ids, { val }) : { train: ids, val: ids.subarray(0, 0) };
    if (i > 0) train.add(separator);
    train.add(parts.train);
    if (parts.val.length > 0) {
      if (held.length > 0) held.add(separator);
      held.add(parts.val);
    }
  }
  return { train: train.finish(), val: held.finish() };
}

/** Ids appended file by file into a preallocated array of the smallest id type. */
class IdBuffer {
  #ids: IdArray;
  length = 0;

  constructor(vocabSize: number, capacity: number) {
    this.#ids = idArrayFor(vocabSize, capacity);
  }

  add(ids: ArrayLike<number>): void {
    this.#ids.set(ids, this.length);
    this.length += ids.length;
  }

  /** The ids, trimmed to their length (a copy only when the capacity was not filled). */
  finish(): IdArray {
    return this.length === this.#ids.length ? this.#ids : this.#ids.slice(0, this.length);
  }
}
