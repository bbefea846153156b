import type { Rng } from "@charrnn/core";
import type { RnnState } from "@charrnn/models";
import { createTurnTaker } from "./event-loop-turn";
import { feedPrime } from "./feed-prime";
import type { ResolvedDecoding, ResolvedStop, StartOptions, TokenEvent } from "./options";
import { argmax, readLogitsRow, sampleLogits } from "./sampling";
import { gatherState, lastStepLogits } from "./state-utils";
import type { StepModel } from "./step-model";
import { StopText } from "./stop-text";
import { defaultOov, pieceDecoder, resolveToken, type TokenVocab } from "./token-vocab";

/** Why a sample ended: its length ran out, a stop string appeared, or the end token was made. */
export type FinishReason = "length" | "stop" | "end";

/** One generated continuation. */
export interface Sample {
  /** The continuation (without the prime), cut before a stop string; `prime + text` reads on. */
  text: string;
  /** Generated token ids, the end token excluded. */
  tokens: Int32Array;
  finishReason: FinishReason;
  /** The stop string that ended it, when `finishReason` is `"stop"`. */
  stoppedBy?: string;
  /** The text that conditioned it: the prime, or the decoded start token. */
  prime: string;
}

/** Where decoding starts: `N` streams with their state, next-token logits `[N, V]` and last token. */
export interface DecodeStart {
  state: RnnState;
  logits: Float32Array;
  prev: Int32Array;
  primes: string[];
}

export interface DecodeResult {
  samples: Sample[];
  /** State after the last token, and the logits for the next one, when the last token was fed. */
  state: RnnState;
  logits: Float32Array;
}

/**
 * Builds the starting point of `n` streams: the prime fed once (one stream, in `PRIME_CHUNK`-step
 * blocks) and its state tiled, or a start token per stream fed as a batch.
 */
export async function prepareStart(
  model: StepModel,
  vocab: TokenVocab,
  options: StartOptions,
  n: number,
  rngs: readonly Rng[],
): Promise<DecodeStart> {
  const V = vocab.size;
  const prime = options.prime ?? "";
  const ids =
    prime.length > 0 ? vocab.encode(prime, { oov: options.oov ?? defaultOov(vocab) }) : new Int32Array(0);
  if (ids.length > 0) {
    const r = await feedPrime(model, ids, model.initialState(1));
    const last = r.logits;
    const logits = new Float32Array(n * V);
    for (let b = 0; b < n; b++) logits.set(last, b * V);
    return {
      state: gatherState(r.state, new Int32Array(n)),
      logits,
      prev: new Int32Array(n).fill(ids[ids.length - 1]!),
      primes: new Array<string>(n).fill(prime),
    };
  }
  const starts = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    starts[b] =
      options.startToken !== undefined
        ? resolveToken(vocab, options.startToken, "startToken")
        : (vocab.eosId ?? rngs[b]!.nextInt(V));
  }
  const r = await model.forward(starts, n, 1, model.initialState(n));
  return {
    state: r.state,
    logits: lastStepLogits(r.logits, n, V),
    prev: starts,
    primes: Array.from(starts, (id) => vocab.decode([id])),
  };
}

/**
 * The sampling loop shared by `generate`, `stream` and sessions: per step, each unfinished stream's
 * logits row runs through the processors and the sampler, then all streams advance in one batched
 * forward call. Yields one event per token made; returns the samples.
 */
export async function* decodeLoop(
  model: StepModel,
  vocab: TokenVocab,
  decoding: ResolvedDecoding,
  stop: ResolvedStop,
  start: DecodeStart,
  rngs: readonly Rng[],
  seen: Uint8Array | null,
  feedLast: boolean,
): AsyncGenerator<TokenEvent, DecodeResult, void> {
  const V = vocab.size;
  const n = start.prev.length;
  const { length } = stop;
  const endId = stop.endToken === undefined ? -1 : resolveToken(vocab, stop.endToken, "endToken");
  const row = new Float64Array(V);
  const weights = new Float64Array(V);
  const noSeen = new Uint8Array(0);
  const texts = start.primes.map(() => new StopText(stop.stop));
  const tokens = start.primes.map(() => new Int32Array(length));
  const counts = new Int32Array(n);
  const finish: (FinishReason | undefined)[] = new Array(n).fill(undefined);
  const prev = start.prev.slice();
  const pieces = Array.from(prev, (id) => pieceDecoder(vocab, id));
  let { state, logits } = start;
  let active = n;

  const turn = createTurnTaker();
  for (let step = 0; step < length && active > 0; step++) {
    await turn();
    for (let b = 0; b < n; b++) {
      if (finish[b] !== undefined) continue;
      readLogitsRow(logits, b, row, { step, stream: b });
      for (const p of decoding.processors) p.process(row, seen ?? noSeen, b * V);
      const token = decoding.greedy ? argmax(row) : sampleLogits(row, rngs[b]!, weights);
      if (seen !== null) seen[b * V + token] = 1;
      const text = texts[b]!;
      let done: FinishReason | undefined;
      if (token === endId) done = "end";
      else {
        tokens[b]![counts[b]!++] = token;
        if (text.append(pieces[b]!.push(token))) done = "stop";
        else if (step === length - 1) done = "length";
      }
      // A bpe sample may stop inside a character: what was held becomes U+FFFD only now.
      if (done !== undefined && done !== "stop") text.append(pieces[b]!.end());
      prev[b] = token;
      if (done !== undefined) {
        finish[b] = done;
        active--;
      }
      yield { index: b, step, token, text: text.take(done !== undefined) };
    }
    if (active > 0 || feedLast) {
      // Finished streams ride along with their last token; their outputs are ignored.
      const r = await model.forward(prev, n, 1, state);
      state = r.state;
      logits = lastStepLogits(r.logits, n, V);
    }
  }

  const samples = texts.map((text, b): Sample => {
    const sample: Sample = {
      text: text.text,
      tokens: tokens[b]!.slice(0, counts[b]!),
      finishReason: finish[b] ?? "length",
      prime: start.primes[b]!,
    };
    if (text.stoppedBy !== undefined) sample.stoppedBy = text.stoppedBy;
    return sample;
  });
  return { samples, state, logits };
}
