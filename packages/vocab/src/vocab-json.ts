import { CharrnnError } from "@charrnn/core";
import { BYTE_CHARS } from "./bpe-bytes";
import { type BpeMerge, MAX_BPE_SIZE } from "./bpe-learn";
import { isSingleCodePoint } from "./code-point";
import type { VocabLevel } from "./types";
import { EOS_TOKEN, UNK_TOKEN } from "./types";
import { vocabHash } from "./vocab-hash";

/** Options of `Vocab.fromJSON`. */
export interface VocabFromJSONOptions {
  /**
   * Level of a plain token array. By default `"char"` when every token is one code point, else
   * `"word"`. Ignored for the `charrnn-vocab` object form, which states its level.
   */
  level?: VocabLevel;
}

/** The checked content of a vocab file. */
export interface VocabContent {
  level: VocabLevel;
  tokens: string[];
  unkId: number | undefined;
  eosId: number | undefined;
  /** BPE only. */
  merges?: BpeMerge[];
}

/** Validates either JSON form (object or plain token array) and checks the hash when present. */
export function parseVocabJSON(json: unknown, options: VocabFromJSONOptions = {}): VocabContent {
  if (typeof json === "string") {
    try {
      json = JSON.parse(json);
    } catch (error) {
      throw new CharrnnError("VOCAB_INVALID", `vocab is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (Array.isArray(json)) return fromTokenArray(json, options.level);
  if (typeof json !== "object" || json === null) {
    throw invalid(`expected a charrnn-vocab object or an array of tokens, got ${typeName(json)}`);
  }
  const obj = json as Record<string, unknown>;
  if (obj.format !== "charrnn-vocab") {
    throw new CharrnnError(
      "VOCAB_FORMAT",
      `vocab format must be "charrnn-vocab", got ${JSON.stringify(obj.format)}; is this a vocab file?`,
    );
  }
  if (obj.version !== 1) {
    throw new CharrnnError(
      "VOCAB_FORMAT",
      `vocab version ${JSON.stringify(obj.version)} is not supported (expected 1); upgrade charrnn`,
    );
  }
  if (obj.level !== "char" && obj.level !== "word" && obj.level !== "bpe") {
    throw invalid(`level must be "char", "word" or "bpe", got ${JSON.stringify(obj.level)}`);
  }
  const level = obj.level;
  const tokens = checkTokens(obj.tokens);
  if (level === "char") {
    const bad = tokens.findIndex((t) => !isSingleCodePoint(t));
    if (bad >= 0)
      throw invalid(`char vocab token ${bad} (${JSON.stringify(tokens[bad])}) is not one code point`);
  }
  const merges = level === "bpe" ? checkMerges(obj.merges, tokens) : undefined;
  if (level !== "bpe" && obj.merges !== undefined) throw invalid(`a ${level} vocab has no merges`);
  const unk = checkId("unk", obj.unk, tokens.length);
  const eos = checkId("eos", obj.eos, tokens.length);
  if (obj.hash !== undefined) {
    const actual = vocabHash(level, tokens, unk, eos, merges);
    if (obj.hash !== actual) {
      throw new CharrnnError(
        "VOCAB_HASH_MISMATCH",
        `vocab hash mismatch: the file says ${String(obj.hash)} but its content hashes to ${actual}; ` +
          `the vocab file was modified, so restore the original (ids would no longer match the model)`,
      );
    }
  }
  const content: VocabContent = { level, tokens, unkId: unk ?? undefined, eosId: eos ?? undefined };
  if (merges) content.merges = merges;
  return content;
}

/** BPE: tokens are the 256 byte texts then one per merge, each the join of its pair's texts. */
function checkMerges(value: unknown, tokens: readonly string[]): BpeMerge[] {
  if (!Array.isArray(value)) throw invalid(`a bpe vocab needs merges, an array of [left, right] ids`);
  if (tokens.length !== 256 + value.length || tokens.length > MAX_BPE_SIZE) {
    throw invalid(
      `a bpe vocab has 256 byte tokens plus one per merge (${value.length}), got ${tokens.length} tokens`,
    );
  }
  for (let b = 0; b < 256; b++) {
    if (tokens[b] !== BYTE_CHARS[b])
      throw invalid(`bpe token ${b} must be the byte text ${JSON.stringify(BYTE_CHARS[b])}`);
  }
  return value.map((merge: unknown, i) => {
    const id = 256 + i;
    const ok =
      Array.isArray(merge) &&
      merge.length === 2 &&
      merge.every((x) => Number.isInteger(x) && x >= 0 && x < id);
    if (!ok)
      throw invalid(`merge ${i} must be [left, right] with ids below ${id}, got ${JSON.stringify(merge)}`);
    const [a, b] = merge as [number, number];
    if (tokens[id] !== tokens[a]! + tokens[b]!) {
      throw invalid(`bpe token ${id} must be the join of tokens ${a} and ${b} (merge ${i})`);
    }
    return [a, b] as const;
  });
}

function fromTokenArray(array: unknown[], level: VocabLevel | undefined): VocabContent {
  const tokens = checkTokens(array);
  const resolved = level ?? (tokens.every(isSingleCodePoint) ? "char" : "word");
  if (resolved === "char") return { level: "char", tokens, unkId: undefined, eosId: undefined };
  const unk = tokens.indexOf(UNK_TOKEN);
  const eos = tokens.indexOf(EOS_TOKEN);
  return { level: "word", tokens, unkId: unk >= 0 ? unk : undefined, eosId: eos >= 0 ? eos : undefined };
}

function checkTokens(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalid(`tokens must be an array of strings, got ${typeName(value)}`);
  if (value.length === 0) throw invalid("tokens is empty");
  const seen = new Map<string, number>();
  for (let i = 0; i < value.length; i++) {
    const token: unknown = value[i];
    if (typeof token !== "string" || token.length === 0) {
      throw invalid(`token ${i} must be a non-empty string, got ${JSON.stringify(token) ?? typeName(token)}`);
    }
    const first = seen.get(token);
    if (first !== undefined)
      throw invalid(`token ${JSON.stringify(token)} appears twice (ids ${first} and ${i})`);
    seen.set(token, i);
  }
  return value as string[];
}

function checkId(name: string, value: unknown, size: number): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= size) {
    throw invalid(`${name} must be null or a token id in [0, ${size - 1}], got ${JSON.stringify(value)}`);
  }
  return value;
}

function invalid(detail: string): CharrnnError {
  return new CharrnnError("VOCAB_INVALID", `invalid vocab: ${detail}; fix or regenerate the vocab file`);
}

function typeName(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}
