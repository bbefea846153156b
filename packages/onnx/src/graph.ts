/**
 * `@charrnn/onnx/graph`: the protobuf helpers that build ONNX graphs (nodes, value infos,
 * initializers). It reaches only `onnx-proto`, not the sampler or onnxruntime, so packages that
 * build graphs without running them (the trainer's ORT engine) import this entry alone.
 */

export type { AttributeValue, Dim, FloatAttribute } from "./proto";
export { DataType, floatInitializer, int64Initializer, node, proto, valueInfo } from "./proto";
