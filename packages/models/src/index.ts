export type { CellType, InitScheme, InputMode, ModelConfig, PartialModelConfig } from "./config";
export { defaultConfig, gateCount, layerInputSize, validateConfig } from "./config";
export type { GateFramework, GateOrder, KerasLayerWeights, OnnxLayerWeights } from "./gate-layout";
export {
  fromKerasLayer,
  fromOnnxLayer,
  GATE_ORDERS,
  reorderGates,
  toKerasLayer,
  toOnnxLayer,
  transpose,
} from "./gate-layout";
export { initParams, orthogonal } from "./init-params";
export type { ModelFile, ModelVocabJSON, ParseModelOptions } from "./model-file";
export { MODEL_FORMAT, parseModel, serializeModel } from "./model-file";
export type {
  ClassifierBatch,
  ClassifierForwardResult,
  ClassifierGradResult,
  Pooling,
} from "./reference/classifier";
export {
  classifierHead,
  fillPoolingWeights,
  referenceClassifierForward,
  referenceClassifierLossAndGrads,
} from "./reference/classifier";
export type { ReferenceCache, ReferenceForwardResult } from "./reference/forward";
export { referenceForward } from "./reference/forward";
export type { CrossEntropyResult } from "./reference/loss";
export { logSoftmax, maxRelativeError, softmaxCrossEntropy } from "./reference/loss";
export type { ReferenceBatch, ReferenceGradOptions, ReferenceGradResult } from "./reference/loss-and-grads";
export { referenceLossAndGrads } from "./reference/loss-and-grads";
export { zeroState } from "./reference/weights";
export type { SafetensorsContent } from "./safetensors";
export { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES } from "./safetensors";
export type { NestedNumbers, StateDict, StateDictValue } from "./state-dict";
export { fromPytorchStateDict, inferConfigFromStateDict, mapStateDictNames } from "./state-dict";
export type { NamedTensors, RnnState, Tensor } from "./tensor";
export { tensorSize } from "./tensor";
export {
  CLASSIFIER_BIAS,
  CLASSIFIER_WEIGHT,
  classifierLabels,
  EMBEDDING_WEIGHT,
  expectedShapes,
  headParams,
  layerParamNames,
  OUTPUT_BIAS,
  OUTPUT_WEIGHT,
  paramCount,
  paramNames,
  validateParams,
} from "./weight-layout";
