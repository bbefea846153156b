export type { Beam, BeamSearchResult } from "./beam-search";
export { beamSearch } from "./beam-search";
export type {
  CreateStepModelOptions,
  SamplerEngine,
  SamplerStepModel,
} from "./create-step-model";
export { createStepModel, defaultSamplerEngine } from "./create-step-model";
export type { FinishReason, Sample } from "./decode-loop";
export { createTurnTaker } from "./event-loop-turn";
export type { PrimeResult } from "./feed-prime";
export { feedPrime, PRIME_CHUNK } from "./feed-prime";
export type { GenerateResult } from "./generate";
export { generate, stream } from "./generate";
export type { LoadedModel, LoadModelOptions, OpenedModel, OpenModelOptions } from "./load-model";
export { loadModelFromBytes, openModelFromBytes } from "./load-model";
export type {
  BeamSearchOptions,
  DecodingOptions,
  GenerateOptions,
  ResolvedDecoding,
  StartOptions,
  StopOptions,
  TokenEvent,
} from "./options";
export { resolveDecoding } from "./options";
export type { LogitsProcessor } from "./processors";
export {
  minPProcessor,
  repetitionPenaltyProcessor,
  temperatureProcessor,
  topKProcessor,
  topPProcessor,
} from "./processors";
export type { Sampler } from "./sampler";
export { createSampler } from "./sampler";
export { argmax, logSumExp, sampleLogits } from "./sampling";
export type { DetailedScoreResult, PositionScore, ScoreOptions, ScoreResult, TopToken } from "./score";
export { score, scoreDetailed, topK } from "./score";
export type { CorpusScore, ScoreCorpusOptions } from "./score-corpus";
export { corpusStreams, SCORE_STREAMS, scoreCorpus } from "./score-corpus";
export type { Session, SessionGenerateOptions, SessionOptions, SessionState } from "./session";
export { createSession } from "./session";
export { cloneState, gatherState, lastStepLogits } from "./state-utils";
export type { ForwardOptions, StepModel, StepResult } from "./step-model";
export type { StepModelCheckOptions, StepModelCheckResult } from "./step-model-check";
export { checkStepModel } from "./step-model-check";
export type { TokenVocab } from "./token-vocab";
export type { TsStepModel, TsStepModelOptions } from "./ts-engine";
export { createTsStepModel } from "./ts-engine";
export type { WasmStepModel, WasmStepModelOptions } from "./wasm-engine";
export { createWasmStepModel } from "./wasm-engine";
export { wasmSimdSupported } from "./wasm-kernels";
