import { type BeamSearchResult, beamSearch } from "./beam-search";
import { type GenerateResult, generate, stream } from "./generate";
import type { BeamSearchOptions, GenerateOptions, TokenEvent } from "./options";
import {
  type DetailedScoreResult,
  type ScoreOptions,
  type ScoreResult,
  score,
  scoreDetailed,
  type TopToken,
  topK,
} from "./score";
import { createSession, type Session, type SessionOptions } from "./session";
import type { StepModel } from "./step-model";
import type { OovPolicy, TokenVocab } from "./token-vocab";

/** A model and its vocabulary bound together, with default generation options. */
export interface Sampler {
  readonly model: StepModel;
  readonly vocab: TokenVocab;
  generate(options?: GenerateOptions): Promise<GenerateResult>;
  stream(options?: GenerateOptions): AsyncGenerator<TokenEvent, GenerateResult, void>;
  beamSearch(options?: BeamSearchOptions): Promise<BeamSearchResult>;
  score(text: string, options?: ScoreOptions): Promise<ScoreResult>;
  scoreDetailed(text: string, options?: ScoreOptions & { k?: number }): Promise<DetailedScoreResult>;
  topK(context: string, k: number, options?: { oov?: OovPolicy }): Promise<TopToken[]>;
  createSession(options?: SessionOptions): Session;
}

/**
 * Binds `model` and `vocab`; `defaults` are layered under each call's options (a call's own value
 * wins), e.g. a model's preferred temperature.
 * @example
 * const sampler = createSampler(model, vocab, { temperature: 0.8, length: 500 });
 * const { text } = await sampler.generate({ prime: "KING:", seed: 3 });
 */
export function createSampler(model: StepModel, vocab: TokenVocab, defaults: GenerateOptions = {}): Sampler {
  return {
    model,
    vocab,
    generate: (options = {}) => generate(model, vocab, { ...defaults, ...options }),
    stream: (options = {}) => stream(model, vocab, { ...defaults, ...options }),
    beamSearch: (options = {}) => beamSearch(model, vocab, { ...defaults, ...options }),
    score: (text, options) => score(model, vocab, text, options),
    scoreDetailed: (text, options) => scoreDetailed(model, vocab, text, options),
    topK: (context, k, options) => topK(model, vocab, context, k, options),
    createSession: (options) => createSession(model, vocab, options),
  };
}
