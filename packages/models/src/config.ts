/** Recurrent cell kinds. `rnn` is the Elman RNN with tanh. */
export type CellType = "rnn" | "gru" | "lstm";

/** How token ids enter the first recurrent layer. */
export type InputMode = "embedding" | "onehot";

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
  init: InitScheme;
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

/** Width of the input to layer `layer` (0-based). */
export function layerInputSize(config: ModelConfig, layer: number): number {
  if (layer > 0) return config.hidden;
  return config.input === "embedding" ? (config.embed ?? 0) : config.vocabSize;
}
