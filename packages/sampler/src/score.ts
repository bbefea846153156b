import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import { createTurnTaker } from "./event-loop-turn";
import { feedPrime } from "./feed-prime";
import { checkCount } from "./options";
import { logSumExp } from "./sampling";
import type { StepModel } from "./step-model";
import { checkVocabSize, defaultOov, type OovPolicy, type TokenVocab } from "./token-vocab";

export interface ScoreOptions {
  /**
   * Text before `text` that conditions it and is not scored. With a prime every token of `text` is
   * scored; without one the first token has no context and is not scored.
   * @defaultValue ""
   */
  prime?: string;
  /**
   * OOV policy when encoding `prime` and `text`.
   * @defaultValue `"unk"` for word vocabs with `<unk>`, else `"error"`
   */
  oov?: OovPolicy;
  /**
   * Time steps per forward call; the state is carried, so this only bounds memory.
   * @defaultValue 256
   */
  chunkSize?: number;
}

/** How well the model predicts a text. All logs are natural. */
export interface ScoreResult {
  /** The text's token ids. */
  tokens: Int32Array;
  /** Index into `tokens` of the first scored token: 0 with a prime, else 1. */
  first: number;
  /** log p(tokens[first + i] | everything before it), one per scored token. */
  logProbs: Float64Array;
  /** Number of scored tokens. */
  count: number;
  /**
   * Code points of the scored part of `text` as given: all of it with a prime, else what follows the
   * first token (its context). For a word vocabulary this counts the text as written, whitespace
   * between words included and an out-of-vocabulary word by its own length (not as `<unk>`).
   */
  chars: number;
  /** −Σ logProbs. */
  totalNats: number;
  natsPerToken: number;
  /** totalNats / ln 2 / chars: bits per character of the text, whatever the tokens are. */
  bitsPerChar: number;
  /** exp(natsPerToken). */
  perplexity: number;
}

/** One entry of a next-token distribution. */
export interface TopToken {
  id: number;
  token: string;
  prob: number;
  logProb: number;
}

/** The score of one position with the distribution the model predicted there. */
export interface PositionScore {
  /** Index into `tokens`. */
  index: number;
  id: number;
  logProb: number;
  /** 1 + number of tokens the model found strictly more likely. */
  rank: number;
  top: TopToken[];
}

export interface DetailedScoreResult extends ScoreResult {
  positions: PositionScore[];
}

/**
 * Scores `text`: the log-probability of each token given the text before it (and the prime), run in
 * chunks with the state carried, and the summary numbers (nats/token, bits/char, perplexity).
 * @example
 * const { bitsPerChar } = await score(model, vocab, validationText);
 */
export function score(
  model: StepModel,
  vocab: TokenVocab,
  text: string,
  options: ScoreOptions = {},
): Promise<ScoreResult> {
  return scoreWith(model, vocab, text, options, null);
}

/** {@link score} plus, at every scored position, the rank of the actual token and the top `k`. */
export async function scoreDetailed(
  model: StepModel,
  vocab: TokenVocab,
  text: string,
  options: ScoreOptions & { k?: number } = {},
): Promise<DetailedScoreResult> {
  const k = checkCount("k", options.k ?? 5);
  const positions: PositionScore[] = [];
  const result = await scoreWith(model, vocab, text, options, (index, id, logits, off, lse) => {
    let rank = 1;
    for (let v = 0; v < vocab.size; v++) if (logits[off + v]! > logits[off + id]!) rank++;
    positions.push({
      index,
      id,
      logProb: logits[off + id]! - lse,
      rank,
      top: topOfRow(vocab, logits, off, k, lse),
    });
  });
  return { ...result, positions };
}

/**
 * The `k` most probable next tokens after `context` (most probable first; ties by lower id). An
 * empty context starts from `<eos>` for word vocabs.
 */
export async function topK(
  model: StepModel,
  vocab: TokenVocab,
  context: string,
  k: number,
  options: { oov?: OovPolicy } = {},
): Promise<TopToken[]> {
  checkVocabSize(model.vocabSize, vocab);
  checkCount("k", k);
  let ids = vocab.encode(context, { oov: options.oov ?? defaultOov(vocab) });
  if (ids.length === 0 && vocab.eosId !== undefined) ids = Int32Array.of(vocab.eosId);
  if (ids.length === 0) {
    throw new CharrnnError("EMPTY_CONTEXT", "topK needs a non-empty context for a char vocabulary");
  }
  const row = (await feedPrime(model, ids, model.initialState(1))).logits;
  return topOfRow(vocab, row, 0, k, logSumExp(row, 0, vocab.size));
}

type PositionHook = (index: number, id: number, logits: Float32Array, off: number, lse: number) => void;

async function scoreWith(
  model: StepModel,
  vocab: TokenVocab,
  text: string,
  options: ScoreOptions,
  hook: PositionHook | null,
): Promise<ScoreResult> {
  checkVocabSize(model.vocabSize, vocab);
  const chunk = options.chunkSize ?? 256;
  if (!(Number.isInteger(chunk) && chunk >= 1))
    throw new CharrnnRangeError("chunkSize", "an integer ≥ 1", chunk);
  const oov = options.oov ?? defaultOov(vocab);
  const V = vocab.size;
  const prime = options.prime ? vocab.encode(options.prime, { oov }) : new Int32Array(0);
  const tokens = vocab.encode(text, { oov });
  const seq = new Int32Array(prime.length + tokens.length);
  seq.set(prime);
  seq.set(tokens, prime.length);
  const first = prime.length > 0 ? 0 : 1;
  const count = tokens.length - first;
  if (count < 1) {
    throw new CharrnnError(
      "SCORE_EMPTY",
      `nothing to score: the text has ${tokens.length} token(s); give a prime or at least 2 tokens`,
    );
  }
  // Input position p predicts seq[p + 1]; the first scored target is seq[prime.length + first].
  const firstInput = prime.length + first - 1;
  let state = model.initialState(1);
  if (firstInput > 0) {
    state = (await feedPrime(model, seq.subarray(0, firstInput), state, chunk)).state;
  }
  const logProbs = new Float64Array(count);
  const turn = createTurnTaker();
  for (let p0 = firstInput; p0 < seq.length - 1; p0 += chunk) {
    await turn();
    const steps = Math.min(chunk, seq.length - 1 - p0);
    const r = await model.forward(seq.subarray(p0, p0 + steps), 1, steps, state);
    state = r.state;
    for (let t = 0; t < steps; t++) {
      const off = t * V;
      const id = seq[p0 + t + 1]!;
      const lse = logSumExp(r.logits, off, V);
      const lp = r.logits[off + id]! - lse;
      if (!Number.isFinite(lp)) {
        throw new CharrnnError(
          "NONFINITE_LOGITS",
          `the model produced non-finite logits at text token ${p0 + t + 1 - prime.length}; check the model file`,
        );
      }
      const index = p0 + t + 1 - prime.length;
      logProbs[index - first] = lp;
      hook?.(index, id, r.logits, off, lse);
    }
  }
  let totalNats = 0;
  for (let i = 0; i < count; i++) totalNats -= logProbs[i]!;
  const chars = scoredChars(text, vocab, first === 1 ? tokens[0] : undefined);
  const natsPerToken = totalNats / count;
  return {
    tokens,
    first,
    logProbs,
    count,
    chars,
    totalNats,
    natsPerToken,
    bitsPerChar: totalNats / Math.LN2 / chars,
    perplexity: Math.exp(natsPerToken),
  };
}

/**
 * Code points of `text` after its first token when that token is only context (`firstToken`), else
 * all of them. The first token is one code point for a char vocabulary; for a word vocabulary it is
 * the first word or newline (`<eos>`), with the whitespace before it — the separators the word
 * encoder skips are exactly JS's `\s` less the newline, so the same split is used here.
 */
function scoredChars(text: string, vocab: TokenVocab, firstToken: number | undefined): number {
  let chars = 0;
  for (const _ of text) chars++;
  if (firstToken === undefined) return chars;
  if (vocab.level === "char") return chars - 1;
  // A bpe first token is whole characters, or a character's first bytes (counted as one).
  if (vocab.level === "bpe") return chars - [...vocab.decode([firstToken])].length;
  return chars - [...(FIRST_TOKEN.exec(text)?.[0] ?? "")].length;
}

const FIRST_TOKEN = /^[^\S\n]*(?:\n|\S+)/u;

/** The `k` largest entries of a logits row by insertion into a short sorted list (k ≪ V). */
function topOfRow(vocab: TokenVocab, logits: Float32Array, off: number, k: number, lse: number): TopToken[] {
  const ids: number[] = [];
  for (let v = 0; v < vocab.size; v++) {
    const l = logits[off + v]!;
    if (ids.length === k && l <= logits[off + ids[k - 1]!]!) continue;
    let at = ids.length;
    while (at > 0 && logits[off + ids[at - 1]!]! < l) at--;
    ids.splice(at, 0, v);
    if (ids.length > k) ids.pop();
  }
  return ids.map((id) => {
    const logProb = logits[off + id]! - lse;
    return { id, token: vocab.tokens[id] ?? "", prob: Math.exp(logProb), logProb };
  });
}
