export { gateCount, layerInputSize } from "./config";
export type { CellType, InitScheme, InputMode, ModelConfig } from "./config";
export { tensorSize } from "./tensor";
export type { NamedTensors, RnnState, Tensor } from "./tensor";
