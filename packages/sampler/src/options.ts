import { CharrnnError, CharrnnRangeError, type Rng } from "@charrnn/core";
import {
  type LogitsProcessor,
  minPProcessor,
  repetitionPenaltyProcessor,
  temperatureProcessor,
  topKProcessor,
  topPProcessor,
} from "./processors";
import type { OovPolicy } from "./token-vocab";

/** The decoding knobs shared by `generate`, `stream` and a session's `next`. */
export interface DecodingOptions {
  /**
   * Divides the logits before sampling; must be > 0. `0` means greedy.
   * @defaultValue 1
   */
  temperature?: number;
  /**
   * Always take the most probable token (argmax, lowest id on ties); sampling options other than
   * `repetitionPenalty` are then ignored.
   * @defaultValue false
   */
  greedy?: boolean;
  /**
   * Sample only among the `topK` most probable tokens (an integer ≥ 1). Unset: no limit.
   * @defaultValue undefined
   */
  topK?: number;
  /**
   * Nucleus sampling: sample among the smallest set of most probable tokens whose total probability
   * is at least `topP`, in (0, 1].
   * @defaultValue 1 (off)
   */
  topP?: number;
  /**
   * Drop tokens less probable than `minP` × the most probable token's probability, in [0, 1).
   * @defaultValue 0 (off)
   */
  minP?: number;
  /**
   * CTRL repetition penalty (> 0) on tokens generated so far: positive logits are divided by it,
   * negative ones multiplied. 1 is off; > 1 discourages repeats.
   * @defaultValue 1
   */
  repetitionPenalty?: number;
}

/** What to stop on; shared by `generate`, `stream`, `beamSearch` and sessions. */
export interface StopOptions {
  /**
   * Number of tokens to generate at most (an integer ≥ 0).
   * @defaultValue 200
   */
  length?: number;
  /**
   * Stop as soon as the generated text contains one of these strings. The string and anything after
   * it is cut from the text; the result reports `finishReason: "stop"` and `stoppedBy`.
   * @defaultValue []
   */
  stop?: readonly string[];
  /**
   * Stop when this token (an id or its text, e.g. `"<eos>"`) is generated; it is left out of the
   * text and tokens and the result reports `finishReason: "end"`.
   * @defaultValue undefined
   */
  endToken?: number | string;
}

/** Where generation starts; shared by `generate`, `stream` and `beamSearch`. */
export interface StartOptions {
  /**
   * Text that conditions the generation (fed as one stream in `PRIME_CHUNK`-step forward calls, so a
   * prime of any length costs one chunk of memory). Not part of the returned text.
   * @defaultValue ""
   */
  prime?: string;
  /**
   * Out-of-vocabulary policy for `prime` (see `Vocab.encode`). The default maps unknown words of a
   * word vocab to `<unk>` and fails on an unknown character, naming it.
   * @defaultValue `"unk"` for word vocabs with `<unk>`, else `"error"`
   */
  oov?: OovPolicy;
  /**
   * Without a prime: the first input token (id or text). Unset: `<eos>` for word vocabs, otherwise
   * a token drawn uniformly with each sample's RNG.
   * @defaultValue undefined
   */
  startToken?: number | string;
}

/** A token made during generation, as `onToken` and `stream` report it. */
export interface TokenEvent {
  /** Which sample (0 … num-1). */
  index: number;
  /** Generation step (0-based) and the token id made at it. */
  step: number;
  token: number;
  /**
   * Text that became final with this token. Text that may still turn into a stop string is held
   * back until it cannot, so the pieces of a sample concatenate to exactly its final text.
   */
  text: string;
}

/** Options of `generate` and `stream`. */
export interface GenerateOptions extends DecodingOptions, StopOptions, StartOptions {
  /**
   * Number of samples, run together as one batch through the step model.
   * @defaultValue 1
   */
  num?: number;
  /**
   * Seed of the sampler's RNG; sample i uses `createRng(deriveSeed(seed, i))`, so the same seed and
   * options give the same text on every run and platform.
   * @defaultValue 0
   */
  seed?: number;
  /** An RNG to draw from instead of `seed` (shared by all samples, drawn in sample order). */
  rng?: Rng;
  /** Called for every token made, before generation moves on. */
  onToken?: (event: TokenEvent) => void;
  /**
   * Bytes the `num` streams of `length` tokens may need (see `decodeBytes`); more is refused up front
   * naming `num` or `length`.
   * @defaultValue `DECODE_MEMORY_BUDGET` (1 GiB)
   */
  memoryBudget?: number;
}

/** Options of `beamSearch`. */
export interface BeamSearchOptions extends StopOptions, StartOptions {
  /**
   * Number of beams kept (an integer ≥ 1); also the number of continuations returned. 1 is greedy.
   * @defaultValue 4
   */
  beamWidth?: number;
  /** RNG seed, only used to draw a start token when there is neither a prime nor `startToken`. */
  seed?: number;
  /**
   * Bytes the beams may need (see `decodeBytes`); a wider beam is refused up front naming `beamWidth`.
   * @defaultValue `DECODE_MEMORY_BUDGET` (1 GiB)
   */
  memoryBudget?: number;
}

export interface ResolvedDecoding {
  greedy: boolean;
  processors: LogitsProcessor[];
  /** Whether a processor needs to know which tokens were generated. */
  tracksSeen: boolean;
}

export interface ResolvedStop {
  length: number;
  stop: string[];
  endToken: number | string | undefined;
}

/** Validates the decoding options once and builds only the processors whose option is non-default. */
export function resolveDecoding(options: DecodingOptions): ResolvedDecoding {
  const temperature = options.temperature ?? 1;
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw new CharrnnRangeError("temperature", "> 0 (or 0 for greedy)", temperature);
  }
  const greedy = options.greedy === true || temperature === 0;
  const { topK, topP = 1, minP = 0, repetitionPenalty = 1 } = options;
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) {
    throw new CharrnnRangeError("topK", "an integer ≥ 1", topK);
  }
  if (!(topP > 0 && topP <= 1)) throw new CharrnnRangeError("topP", "in (0, 1]", topP);
  if (!(minP >= 0 && minP < 1)) throw new CharrnnRangeError("minP", "in [0, 1)", minP);
  if (!(repetitionPenalty > 0) || !Number.isFinite(repetitionPenalty)) {
    throw new CharrnnRangeError("repetitionPenalty", "> 0", repetitionPenalty);
  }
  const processors: LogitsProcessor[] = [];
  if (repetitionPenalty !== 1) processors.push(repetitionPenaltyProcessor(repetitionPenalty));
  if (!greedy) {
    if (temperature !== 1) processors.push(temperatureProcessor(temperature));
    if (topK !== undefined) processors.push(topKProcessor(topK));
    if (topP < 1) processors.push(topPProcessor(topP));
    if (minP > 0) processors.push(minPProcessor(minP));
  }
  return { greedy, processors, tracksSeen: repetitionPenalty !== 1 };
}

export function resolveStop(options: StopOptions): ResolvedStop {
  const length = options.length ?? 200;
  if (!(Number.isInteger(length) && length >= 0))
    throw new CharrnnRangeError("length", "an integer ≥ 0", length);
  const stop = [...(options.stop ?? [])];
  for (const s of stop) {
    if (typeof s !== "string" || s.length === 0) {
      throw new CharrnnError("OPTION_TYPE", `stop must hold non-empty strings, got ${JSON.stringify(s)}`);
    }
  }
  return { length, stop, endToken: options.endToken };
}

export function checkCount(option: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 1)) throw new CharrnnRangeError(option, "an integer ≥ 1", value);
  return value;
}
