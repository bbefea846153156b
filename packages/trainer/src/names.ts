/**
 * `@charrnn/trainer/names`: the names trainer settings accept (optimizer and learning-rate schedule
 * kinds, data layouts, validation splits, fine-tune vocabulary modes, divergence policies, the torch
 * engine's precisions), for command lines and forms that list them before any training starts. Only
 * the modules that own these lists are reached from here, never an engine, so importing it stays
 * cheap (names.test.ts walks the import graph to keep it so).
 */

export { TORCH_PRECISIONS } from "./engine/torch/precisions";
export { DATA_LAYOUTS, DIVERGE_POLICIES, INIT_VOCAB_MODES, SPLIT_MODES } from "./loop/setting-kinds";
export { OPTIMIZER_KINDS } from "./optim/config";
export { LR_SCHEDULE_KINDS } from "./schedule/lr-schedule";
