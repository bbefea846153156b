import { CharrnnError, CharrnnRangeError } from "@charrnn/core";

/** Recurrent cell kinds. `rnn` is the Elman RNN with tanh. */
export const CELL_TYPES = ["rnn", "gru", "lstm"] as const;
export type CellType = (typeof CELL_TYPES)[number];

/** How token ids enter the first recurrent layer. */
export type InputMode = "embedding" | "onehot";

/**
 * Gate nonlinearity of LSTM and GRU cells: the logistic sigmoid (PyTorch, ONNX, Keras 2+), or
 * tfjs-layers' (and Keras 2's) hard sigmoid `max(0, min(1, 0.2·x + 0.5))`, the default
 * `recurrentActivation` of `tf.layers.lstm`/`gru`, which TF.js imports keep.
 */
export type GateActivation = "sigmoid" | "hardSigmoid";

/** Slope and offset of the hard sigmoid (tfjs-layers' and Keras 2's; ONNX `HardSigmoid` alpha and beta). */
export const HARD_SIGMOID_ALPHA = 0.2;
export const HARD_SIGMOID_BETA = 0.5;

/**
 * How the activation dropouts (`dropout`, `inputDropout`) draw their masks within a window: `step`,
 * a fresh mask at every time step (Zaremba et al.); `locked`, one mask per stream that every time
 * step of the window shares (Gal & Ghahramani's variational dropout, AWD-LSTM's locked dropout).
 */
export const DROPOUT_MODES = ["step", "locked"] as const;
export type DropoutMode = (typeof DROPOUT_MODES)[number];

/** Weight initialisation for a fresh model. */
export type InitScheme =
  /** Uniform in ±scale for every parameter (the Zaremba PTB configs use 0.1/0.05/0.04). */
  | { kind: "uniform"; scale: number }
  /** Glorot-uniform input weights, orthogonal recurrent weights, zero biases (Keras defaults). */
  | { kind: "glorot" }
  /** PyTorch's default: uniform ±1/sqrt(hidden) for every recurrent and output parameter. */
  | { kind: "pytorch" };

/**
 * Architecture of a charrnn model. Everything needed to rebuild the computation from the
 * weights, and nothing about training.
 */
export interface ModelConfig {
  cell: CellType;
  /** Number of stacked recurrent layers (≥ 1). */
  layers: number;
  /** Hidden units per layer (≥ 1). */
  hidden: number;
  /** Vocabulary size V: rows of the embedding and of the output projection. */
  vocabSize: number;
  input: InputMode;
  /** Embedding width E; only with `input: "embedding"`. With one-hot input the first layer's width is V. */
  embed?: number;
  /**
   * Dropout probability applied between layers and before the output projection during training
   * (0 disables it). Not applied at inference.
   * @defaultValue 0
   */
  dropout: number;
  /**
   * Dropout probability on the embedded inputs during training (Zaremba et al.); embedding input
   * only. Not applied at inference. Absent means 0.
   */
  inputDropout?: number;
  /**
   * DropConnect probability on each layer's recurrent weights `weight_hh` during training (Wan et
   * al.; the weight drop of Merity et al.'s AWD-LSTM): one mask per training step, shared by every
   * time step and stream, so it regularises the recurrence itself, which `dropout` never touches.
   * Not applied at inference. Absent means 0.
   */
  weightDrop?: number;
  /**
   * How `dropout` and `inputDropout` draw their masks over a window's time steps (see
   * {@link DropoutMode}). Training only. Absent means `"step"`.
   */
  dropoutMode?: DropoutMode;
  init: InitScheme;
  /**
   * The LSTM/GRU gate nonlinearity. Absent means `"sigmoid"` (every model trained by charrnn); only
   * TF.js imports set `"hardSigmoid"`, and the training engines refuse it.
   */
  gateActivation?: GateActivation;
  /**
   * Added to the LSTM forget-gate bias at initialisation (Jozefowicz et al.; Keras uses 1).
   * @defaultValue 0
   */
  forgetBias: number;
  /**
   * What the classifier head reads, when the model is a sequence classifier (not a language model).
   * Absent for language models. Set by the classification issue.
   */
  head?: { kind: "lm" } | { kind: "classifier"; labels: string[]; pooling: "last" | "mean" };
}

/** Gates per cell: weight matrices are `[gates * hidden, in]`. */
export function gateCount(cell: CellType): number {
  return cell === "lstm" ? 4 : cell === "gru" ? 3 : 1;
}

/** The config's gate nonlinearity (absent = sigmoid). */
export function gateActivation(config: ModelConfig): GateActivation {
  return config.gateActivation ?? "sigmoid";
}

/** tfjs-layers' hard sigmoid, `max(0, min(1, 0.2·x + 0.5))`. */
export function hardSigmoid(x: number): number {
  return Math.max(0, Math.min(1, HARD_SIGMOID_ALPHA * x + HARD_SIGMOID_BETA));
}

/**
 * Throws `ENGINE_UNSUPPORTED` for a hard-sigmoid model: the training code paths (every engine, the
 * reference gradients, fine-tuning) implement the logistic sigmoid's gradient only.
 */
export function checkTrainableGates(config: ModelConfig, what = "the training engines"): void {
  if (gateActivation(config) !== "sigmoid") {
    throw new CharrnnError(
      "ENGINE_UNSUPPORTED",
      `${what} train sigmoid-gated models only and this model has hard-sigmoid gates (a TF.js import); sample, score and export it, or rebuild it in TF.js with recurrentActivation: 'sigmoid' to fine-tune it here`,
    );
  }
}

/** Width of the input to layer `layer` (0-based). */
export function layerInputSize(config: ModelConfig, layer: number): number {
  if (layer > 0) return config.hidden;
  return config.input === "embedding" ? (config.embed ?? 0) : config.vocabSize;
}

const CELLS: readonly string[] = CELL_TYPES;
const INPUTS: readonly string[] = ["embedding", "onehot"];
const DROPOUT_MODE_NAMES: readonly string[] = DROPOUT_MODES;

/**
 * Checks a config's ranges and enums; throws `CharrnnRangeError` naming the first bad field.
 * Returns the same object so it can wrap an expression.
 */
export function validateConfig(config: ModelConfig): ModelConfig {
  if (typeof config !== "object" || config === null)
    throw new CharrnnRangeError("config", "an object", config);
  if (!CELLS.includes(config.cell))
    throw new CharrnnRangeError("cell", '"rnn", "gru" or "lstm"', config.cell);
  checkCount("layers", config.layers);
  checkCount("hidden", config.hidden);
  checkCount("vocabSize", config.vocabSize);
  if (!INPUTS.includes(config.input)) {
    throw new CharrnnRangeError("input", '"embedding" or "onehot"', config.input);
  }
  if (config.input === "embedding") checkCount("embed", config.embed);
  if (typeof config.dropout !== "number" || !(config.dropout >= 0 && config.dropout < 1)) {
    throw new CharrnnRangeError("dropout", "in [0, 1)", config.dropout);
  }
  const inputDropout = config.inputDropout;
  if (inputDropout !== undefined) {
    if (typeof inputDropout !== "number" || !(inputDropout >= 0 && inputDropout < 1)) {
      throw new CharrnnRangeError("inputDropout", "in [0, 1)", inputDropout);
    }
    if (inputDropout > 0 && config.input !== "embedding") {
      throw new CharrnnRangeError(
        "inputDropout",
        '0 with input "onehot" (it drops embedded inputs)',
        inputDropout,
      );
    }
  }
  const weightDrop = config.weightDrop;
  if (weightDrop !== undefined && (typeof weightDrop !== "number" || !(weightDrop >= 0 && weightDrop < 1))) {
    throw new CharrnnRangeError("weightDrop", "in [0, 1)", weightDrop);
  }
  const mode = config.dropoutMode;
  if (mode !== undefined && !DROPOUT_MODE_NAMES.includes(mode)) {
    throw new CharrnnRangeError("dropoutMode", '"step" or "locked"', mode);
  }
  const gate = config.gateActivation;
  if (gate !== undefined) {
    if (gate !== "sigmoid" && gate !== "hardSigmoid") {
      throw new CharrnnRangeError("gateActivation", '"sigmoid" or "hardSigmoid"', gate);
    }
    if (gate === "hardSigmoid" && config.cell === "rnn") {
      throw new CharrnnRangeError("gateActivation", '"sigmoid" for an rnn cell (it has no gates)', gate);
    }
  }
  if (typeof config.forgetBias !== "number" || !Number.isFinite(config.forgetBias)) {
    throw new CharrnnRangeError("forgetBias", "a finite number", config.forgetBias);
  }
  const init = config.init as { kind?: unknown; scale?: unknown } | undefined;
  const kind = init?.kind;
  if (kind !== "uniform" && kind !== "glorot" && kind !== "pytorch") {
    throw new CharrnnRangeError("init.kind", '"uniform", "glorot" or "pytorch"', kind);
  }
  if (
    kind === "uniform" &&
    !(typeof init?.scale === "number" && init.scale > 0 && Number.isFinite(init.scale))
  ) {
    throw new CharrnnRangeError("init.scale", "a finite number > 0", init?.scale);
  }
  // Read loosely: configs come from files, so the declared type is not yet true here.
  const head = config.head as { kind?: unknown; labels?: unknown; pooling?: unknown } | null | undefined;
  if (head !== undefined && (typeof head !== "object" || head === null)) {
    throw new CharrnnRangeError("head", "an object", head);
  }
  if (head !== undefined && head.kind !== "lm") {
    if (head.kind !== "classifier")
      throw new CharrnnRangeError("head.kind", '"lm" or "classifier"', head.kind);
    if (!Array.isArray(head.labels) || head.labels.length < 1) {
      throw new CharrnnRangeError("head.labels", "a non-empty array of labels", head.labels);
    }
    if (head.pooling !== "last" && head.pooling !== "mean") {
      throw new CharrnnRangeError("head.pooling", '"last" or "mean"', head.pooling);
    }
  }
  return config;
}

/** What `defaultConfig` needs: the vocabulary size, and any fields to override. */
export type PartialModelConfig = Partial<ModelConfig> & Pick<ModelConfig, "vocabSize">;

/**
 * Fills the unset fields of a config and validates the result. Defaults: `cell: "lstm"`,
 * `layers: 1`, `hidden: 128`, `input: "embedding"`, `embed: min(hidden, 64)` (a char vocabulary
 * rarely needs a wider embedding, and it never needs to be wider than the state it feeds),
 * `dropout: 0`, `init: { kind: "pytorch" }`, `forgetBias: 0`. With `input: "onehot"` `embed` is dropped.
 */
export function defaultConfig(partial: PartialModelConfig): ModelConfig {
  const hidden = partial.hidden ?? 128;
  const input = partial.input ?? "embedding";
  const config: ModelConfig = {
    cell: partial.cell ?? "lstm",
    layers: partial.layers ?? 1,
    hidden,
    vocabSize: partial.vocabSize,
    input,
    dropout: partial.dropout ?? 0,
    init: partial.init ?? { kind: "pytorch" },
    forgetBias: partial.forgetBias ?? 0,
  };
  if (input === "embedding") config.embed = partial.embed ?? Math.min(hidden, 64);
  if (partial.inputDropout !== undefined && partial.inputDropout > 0)
    config.inputDropout = partial.inputDropout;
  if (partial.weightDrop !== undefined && partial.weightDrop > 0) config.weightDrop = partial.weightDrop;
  if (partial.dropoutMode !== undefined && partial.dropoutMode !== "step")
    config.dropoutMode = partial.dropoutMode;
  if (partial.head !== undefined) config.head = partial.head;
  if (partial.gateActivation !== undefined && partial.gateActivation !== "sigmoid")
    config.gateActivation = partial.gateActivation;
  return validateConfig(config);
}

function checkCount(option: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new CharrnnRangeError(option, "an integer ≥ 1", value);
  }
}
