import { CharrnnRangeError } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import type { InitVocabMode } from "./settings";

/**
 * The vocabulary of a fine-tune on text whose own vocabulary is `corpus`: with `"extend"` the
 * model's tokens in their order (old ids unchanged) followed by the corpus tokens it lacks, in the
 * corpus vocabulary's order; with `"keep"` the model's. A bpe vocabulary is always the model's: its
 * 256 byte tokens already encode any text, and its merges fix what every id means.
 */
export function initVocab(base: Vocab, corpus: Vocab, mode: InitVocabMode): Vocab {
  if (base.level !== corpus.level) {
    throw new CharrnnRangeError("level", `"${base.level}" as the model's vocabulary`, corpus.level);
  }
  if (mode === "keep" || base.level === "bpe") return base;
  const added = corpus.tokens.filter((t) => base.idOf(t) === undefined);
  if (added.length === 0) return base;
  return Vocab.fromJSON({
    format: "charrnn-vocab",
    version: 1,
    level: base.level,
    tokens: [...base.tokens, ...added],
    unk: base.unkId ?? null,
    eos: base.eosId ?? null,
  });
}
