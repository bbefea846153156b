import { createRng } from "@charrnn/core";
import { checkDecodeBudget } from "./decode-budget";
import { type FinishReason, prepareStart } from "./decode-loop";
import { createTurnTaker } from "./event-loop-turn";
import { type BeamSearchOptions, checkCount, resolveStop } from "./options";
import { logSumExp, readLogitsRow } from "./sampling";
import { gatherState, lastStepLogits } from "./state-utils";
import type { StepModel } from "./step-model";
import { findStop, longestStop } from "./stop-text";
import { checkVocabSize, resolveToken, type TokenVocab, tokenPiece } from "./token-vocab";

/** One continuation found by beam search. */
export interface Beam {
  /** The continuation without the prime, cut before a stop string. */
  text: string;
  /** Generated token ids, the end token excluded. */
  tokens: Int32Array;
  /** Total natural-log probability of every generated token (the end token included). */
  logProb: number;
  finishReason: FinishReason;
  stoppedBy?: string;
}

export interface BeamSearchResult {
  /** Up to `beamWidth` continuations, most probable first. */
  beams: Beam[];
  /** The text that conditioned them: the prime, or the decoded start token. */
  prime: string;
}

interface Hypothesis {
  tokens: number[];
  text: string;
  logProb: number;
}

/**
 * Beam search: keeps the `beamWidth` most probable partial continuations (total log-probability,
 * no length normalisation), run as one batch, and returns the best `beamWidth` finished ones.
 * A beam finishes at the end token, a stop string or `length` tokens. Width 1 is greedy decoding.
 * @example
 * const { beams } = await beamSearch(model, vocab, { prime: "The ", beamWidth: 5, length: 20 });
 */
export async function beamSearch(
  model: StepModel,
  vocab: TokenVocab,
  options: BeamSearchOptions = {},
): Promise<BeamSearchResult> {
  checkVocabSize(model.vocabSize, vocab);
  const width = checkCount("beamWidth", options.beamWidth ?? 4);
  const { length, stop } = resolveStop(options);
  const endId = options.endToken === undefined ? -1 : resolveToken(vocab, options.endToken, "endToken");
  const longest = longestStop(stop);
  const V = vocab.size;
  checkDecodeBudget(model, "beamWidth", width, length, options.memoryBudget);
  const start = await prepareStart(model, vocab, options, 1, [createRng(options.seed ?? 0)]);
  const turn = createTurnTaker();

  const finished: Beam[] = [];
  let alive: Hypothesis[] = [{ tokens: [], text: "", logProb: 0 }];
  let { state, logits } = start;
  const row = new Float64Array(V);

  for (let step = 0; step < length && alive.length > 0; step++) {
    const n = alive.length;
    const scores = new Float64Array(n * V);
    for (let b = 0; b < n; b++) {
      readLogitsRow(logits, b, row, { step, stream: b });
      const lse = logSumExp(row, 0, V);
      for (let v = 0; v < V; v++) scores[b * V + v] = alive[b]!.logProb + row[v]! - lse;
    }
    await turn();
    const next: Hypothesis[] = [];
    const parents: number[] = [];
    const nextTokens: number[] = [];
    // The best candidates in order; rarely, finished ones use up the first 2·width + 8, then twice
    // as many are taken and the step is redone.
    const kept = finished.length;
    for (let k = Math.min(n * V, 2 * width + 8); ; k = Math.min(n * V, 2 * k)) {
      finished.length = kept;
      next.length = 0;
      parents.length = 0;
      nextTokens.length = 0;
      const order = bestCandidates(scores, k);
      for (let r = 0; r < order.length && next.length < width; r++) {
        const flat = order[r]!;
        const b = Math.floor(flat / V);
        const v = flat - b * V;
        const parent = alive[b]!;
        const logProb = scores[flat]!;
        if (v === endId) {
          finished.push({ ...freeze(parent), logProb, finishReason: "end" });
          continue;
        }
        const from = Math.max(0, parent.text.length - longest + 1);
        const tokens = [...parent.tokens, v];
        // A bpe token can end inside a character, so a bpe beam's text is decoded whole.
        const text =
          vocab.level === "bpe"
            ? vocab.decode(tokens)
            : parent.text + tokenPiece(vocab, parent.tokens.at(-1) ?? start.prev[0]!, v);
        const hit = stop.length > 0 ? findStop(text, from, stop) : undefined;
        if (hit !== undefined) {
          const beam = freeze({ tokens, text: text.slice(0, hit.at), logProb });
          finished.push({ ...beam, finishReason: "stop", stoppedBy: hit.stop });
          continue;
        }
        next.push({ tokens, text, logProb });
        parents.push(b);
        nextTokens.push(v);
      }
      if (next.length >= width || k === n * V) break;
    }
    alive = next;
    if (alive.length === 0 || step === length - 1 || settled(finished, alive, width)) break;
    const r = await model.forward(Int32Array.from(nextTokens), alive.length, 1, gatherState(state, parents));
    state = r.state;
    logits = lastStepLogits(r.logits, alive.length, V);
  }

  for (const h of alive) finished.push({ ...freeze(h), finishReason: "length" });
  finished.sort((a, b) => b.logProb - a.logProb);
  return { beams: finished.slice(0, width), prime: start.primes[0]! };
}

/**
 * The indices of the `k` highest `scores`, highest first (ties: lower index first) — the first `k` of
 * a full sort, found with a size-`k` heap so a step costs O(candidates · log k), not a sort of all.
 */
export function bestCandidates(scores: Float64Array, k: number): Int32Array {
  // `worse(a, b)`: a ranks after b. The heap keeps the worst kept candidate at its root.
  const worse = (a: number, b: number) => scores[a]! < scores[b]! || (scores[a] === scores[b] && a > b);
  const heap = new Int32Array(k);
  let size = 0;
  const siftDown = (from: number) => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && worse(heap[l]!, heap[m]!)) m = l;
      if (r < size && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let c = 0; c < scores.length; c++) {
    if (size < k) {
      let i = size++;
      heap[i] = c;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(heap[i]!, heap[p]!)) break;
        [heap[i], heap[p]] = [heap[p]!, heap[i]!];
        i = p;
      }
    } else if (k > 0 && worse(heap[0]!, c)) {
      heap[0] = c;
      siftDown(0);
    }
  }
  return heap.subarray(0, size).sort((a, b) => scores[b]! - scores[a]! || a - b);
}

function freeze(h: Hypothesis): { text: string; tokens: Int32Array; logProb: number } {
  return { text: h.text, tokens: Int32Array.from(h.tokens), logProb: h.logProb };
}

/** Log-probs only fall as beams grow, so once `width` finished beams beat every live one, stop. */
function settled(finished: Beam[], alive: Hypothesis[], width: number): boolean {
  if (finished.length < width) return false;
  const best = finished.map((f) => f.logProb).sort((a, b) => b - a);
  let bestAlive = Number.NEGATIVE_INFINITY;
  for (const h of alive) bestAlive = Math.max(bestAlive, h.logProb);
  return best[width - 1]! >= bestAlive;
}
