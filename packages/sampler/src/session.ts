import { CharrnnError, createRng, type Rng, type RngState } from "@charrnn/core";
import type { RnnState } from "@charrnn/models";
import { decodeLoop, type Sample } from "./decode-loop";
import { feedPrime } from "./feed-prime";
import {
  type DecodingOptions,
  resolveDecoding,
  resolveStop,
  type StopOptions,
  type TokenEvent,
} from "./options";
import { cloneState } from "./state-utils";
import type { StepModel } from "./step-model";
import { checkVocabSize, defaultOov, type OovPolicy, type TokenVocab } from "./token-vocab";

/** Everything a session carries between calls; `session.state` reads and writes copies of it. */
export interface SessionState {
  rnn: RnnState;
  /** Next-token logits `[V]`, or null before anything was fed. */
  logits: Float32Array | null;
  /** Last token fed, or -1. */
  prev: number;
  /** Tokens made by `next`/`generate` since the last reset (for the repetition penalty), `[V]` of 0/1. */
  seen: Uint8Array;
  rng: RngState;
}

export interface SessionOptions {
  /**
   * Seed of the session's RNG.
   * @defaultValue 0
   */
  seed?: number;
}

/** Options of `session.generate`. */
export interface SessionGenerateOptions extends DecodingOptions, StopOptions {
  onToken?: (event: TokenEvent) => void;
}

/** An interactive, stateful view of a model: feed text, draw tokens one at a time, save and restore. */
export interface Session {
  /** Feeds text (one forward call) and keeps the state; `oov` as in `Vocab.encode` (default `defaultOov`). */
  feed(text: string, options?: { oov?: OovPolicy }): Promise<void>;
  /**
   * Draws the next token from what was fed so far, feeds it, and returns it with its text (for word
   * vocabs including the separator `decode` puts before it).
   */
  next(options?: DecodingOptions): Promise<{ token: number; text: string }>;
  /** Generates a continuation of what was fed so far; the session then continues after it. */
  generate(options?: SessionGenerateOptions): Promise<Sample>;
  /** Back to the zero state with nothing fed; the RNG keeps its stream. */
  reset(): void;
  /** A copy of the session's state; assigning one restores it (copied again). */
  state: SessionState;
}

/**
 * Creates a session over one stream of `model`.
 * @example
 * const s = createSession(model, vocab, { seed: 7 });
 * await s.feed("ROMEO:");
 * const { text } = await s.next({ temperature: 0.7 });
 */
export function createSession(model: StepModel, vocab: TokenVocab, options: SessionOptions = {}): Session {
  checkVocabSize(model.vocabSize, vocab);
  const V = vocab.size;
  let rng: Rng = createRng(options.seed ?? 0);
  let rnn = model.initialState(1);
  let logits: Float32Array | null = null;
  let prev = -1;
  let seen = new Uint8Array(V);

  const run = async (
    decodingOptions: DecodingOptions,
    stopOptions: StopOptions,
    onToken?: (e: TokenEvent) => void,
  ) => {
    const decoding = resolveDecoding(decodingOptions);
    const stop = resolveStop(stopOptions);
    if (logits === null) {
      throw new CharrnnError(
        "SESSION_EMPTY",
        "the session has no context yet: call feed(text) before next()/generate()",
      );
    }
    const start = { state: rnn, logits, prev: Int32Array.of(prev), primes: [""] };
    const loop = decodeLoop(model, vocab, decoding, stop, start, [rng], seen, true);
    let last = prev;
    for (;;) {
      const r = await loop.next();
      if (r.done === true) {
        rnn = r.value.state;
        logits = r.value.logits;
        prev = last;
        return r.value.samples[0]!;
      }
      last = r.value.token;
      onToken?.(r.value);
    }
  };

  return {
    async feed(text, feedOptions) {
      const ids = vocab.encode(text, { oov: feedOptions?.oov ?? defaultOov(vocab) });
      if (ids.length === 0) return;
      const r = await feedPrime(model, ids, rnn);
      rnn = r.state;
      logits = r.logits;
      prev = ids[ids.length - 1]!;
    },
    async next(decodingOptions = {}) {
      let event: TokenEvent | undefined;
      await run(decodingOptions, { length: 1 }, (e) => {
        event = e;
      });
      return { token: event!.token, text: event!.text };
    },
    generate(generateOptions = {}) {
      return run(generateOptions, generateOptions, generateOptions.onToken);
    },
    reset() {
      rnn = model.initialState(1);
      logits = null;
      prev = -1;
      seen = new Uint8Array(V);
    },
    get state(): SessionState {
      return {
        rnn: cloneState(rnn),
        logits: logits?.slice() ?? null,
        prev,
        seen: seen.slice(),
        rng: rng.state(),
      };
    },
    set state(value: SessionState) {
      rnn = cloneState(value.rnn);
      logits = value.logits?.slice() ?? null;
      prev = value.prev;
      seen = value.seen.slice();
      rng = createRng(value.rng);
    },
  };
}
