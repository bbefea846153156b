export type {
  CellType,
  DropoutMode,
  GateActivation,
  InitScheme,
  InputMode,
  ModelConfig,
  PartialModelConfig,
} from "./config";
export {
  CELL_TYPES,
  checkTrainableGates,
  DROPOUT_MODES,
  defaultConfig,
  gateActivation,
  gateCount,
  HARD_SIGMOID_ALPHA,
  HARD_SIGMOID_BETA,
  hardSigmoid,
  layerInputSize,
  validateConfig,
} from "./config";
export type { DigestTensor, Hasher } from "./digest";
export { hashTensors, MODEL_DIGEST_KEY, modelDigest } from "./digest";
export type {
  GateFramework,
  GateOrder,
  GateWeights,
  KerasLayerWeights,
  OnnxLayerWeights,
} from "./gate-layout";
export {
  fromKerasLayer,
  fromOnnxLayer,
  GATE_ORDERS,
  joinGates,
  reorderGates,
  splitGates,
  toKerasLayer,
  toOnnxLayer,
  transpose,
} from "./gate-layout";
export { initParams, orthogonal } from "./init-params";
export type { ModelFile, ModelVocabJSON, ParseModelOptions, SerializeModelOptions } from "./model-file";
export { MODEL_FORMAT, parseModel, serializeModel } from "./model-file";
export type { WidenedTensors } from "./reduced-tensors";
export { INT8_SCALE_SUFFIX, int8Weights, storeTensors, widenTensors } from "./reduced-tensors";
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
export { inputDropoutMask, layerDropoutMasks, weightDropMasks } from "./reference/dropout";
export type { ReferenceCache, ReferenceForwardResult } from "./reference/forward";
export { referenceForward } from "./reference/forward";
export type { CrossEntropyResult } from "./reference/loss";
export { logSoftmax, maxRelativeError, softmaxCrossEntropy } from "./reference/loss";
export type { ReferenceBatch, ReferenceGradOptions, ReferenceGradResult } from "./reference/loss-and-grads";
export { referenceLossAndGrads } from "./reference/loss-and-grads";
export { zeroState } from "./reference/weights";
export type {
  SafetensorsContent,
  StoredDtype,
  StoredSafetensorsContent,
  StoredTensor,
} from "./safetensors";
export {
  decodeSafetensors,
  decodeStoredSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
} from "./safetensors";
export type { NestedNumbers, StateDict, StateDictValue } from "./state-dict";
export { fromPytorchStateDict, inferConfigFromStateDict, mapStateDictNames } from "./state-dict";
export type { NamedTensors, RnnState, Tensor } from "./tensor";
export { tensorSize } from "./tensor";
export type { TfjsExportable } from "./tfjs-layers/tfjs-export";
export { TFJS_FORMAT, tfjsInterface, toTfjsLayersModel } from "./tfjs-layers/tfjs-export";
export type {
  KerasLayerJSON,
  TfjsLayersModel,
  TfjsModelJSON,
  TfjsWeightGroup,
  TfjsWeightSpec,
} from "./tfjs-layers/tfjs-format";
export { TFJS_METADATA_KEY, TFJS_SHARD_BYTES } from "./tfjs-layers/tfjs-format";
export type { TfjsImportOptions } from "./tfjs-layers/tfjs-import";
export { fromTfjsLayersModel } from "./tfjs-layers/tfjs-import";
export type { Int8Rows, WeightDtype } from "./weight-dtype";
export {
  checkWeightDtype,
  dequantizeRows,
  F16_MAX,
  fromBfloat16Bits,
  fromFloat16Bits,
  quantizeRows,
  reducedWeightNames,
  roundTripWeights,
  toBfloat16Bits,
  toFloat16Bits,
  WEIGHT_DTYPES,
} from "./weight-dtype";
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
