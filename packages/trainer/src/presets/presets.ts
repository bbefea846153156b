import type { TrainSettings } from "../loop/settings";

/** A preset: settings that override the defaults; anything it leaves out keeps its default. */
export type TrainPreset = Partial<TrainSettings>;

/**
 * Karpathy's char-rnn (`train.lua` defaults): 2×128 LSTM on one-hot characters, windows of 50, 50
 * streams carried across windows, RMSprop (decay 0.95) at 2e-3, ×0.97 per epoch after epoch 10,
 * clip 5, uniform ±0.08 init with forget-gate bias 1, 5 % validation, 50 epochs.
 */
const charRnn: TrainPreset = {
  cell: "lstm",
  layers: 2,
  hidden: 128,
  input: "onehot",
  dropout: 0,
  init: { kind: "uniform", scale: 0.08 },
  forgetBias: 1,
  layout: "stream",
  seq: 50,
  batch: 50,
  valFraction: 0.05,
  lr: 2e-3,
  optimizer: { kind: "rmsprop", decay: 0.95, epsilon: 1e-8 },
  lrSchedule: { kind: "decay", factor: 0.97, after: 10 },
  clip: 5,
  epochs: 50,
  valEvery: 1000,
  checkpointEvery: 1000,
  seed: 123,
};

/**
 * The TensorFlow "Text generation with an RNN" tutorial: embedding 256, one GRU of 1024, windows of
 * 100 shuffled into batches of 64 (stateless), Adam 1e-3 (Keras epsilon 1e-7), Glorot init, no clip.
 */
const tfTutorial: TrainPreset = {
  cell: "gru",
  layers: 1,
  hidden: 1024,
  input: "embedding",
  embed: 256,
  dropout: 0,
  init: { kind: "glorot" },
  layout: "shuffle",
  seq: 100,
  batch: 64,
  lr: 1e-3,
  optimizer: { kind: "adam", epsilon: 1e-7 },
  clip: 0,
  lrSchedule: { kind: "constant" },
  epochs: 20,
};

/**
 * Zaremba et al. (2014) PTB word models, values from TensorFlow's `ptb_word_lm.py`: SGD at lr 1,
 * decayed by `lr_decay` each epoch after `max_epoch`, for `max_max_epoch` epochs, batch 20, embedding
 * = hidden, uniform ±`init_scale` init, forget bias 0, dropout = 1 − keep_prob, 10 000-word
 * vocabulary, TBPTT over `num_steps` with the state carried. PTB ships its own validation and test
 * files (`validFile`/`testFile`, `--valid`/`--test`); with one corpus the last `valFraction` stands in.
 *
 * The reference's loss is summed over the `num_steps` time steps (averaged over the batch only) —
 * both `ptb_word_lm.py`'s `sequence_loss(average_across_timesteps=False)` and Zaremba's Lua code —
 * while our engines take the mean over all tokens, a gradient `num_steps` times smaller. So the
 * preset sets lr = 1 · num_steps and clip = max_grad_norm / num_steps: the same updates, clipped at
 * the same point, as the reference. Like the reference, dropout also applies to the embedded inputs
 * (`inputDropout`).
 */
function ptb(p: {
  init: number;
  maxGradNorm: number;
  layers: number;
  steps: number;
  hidden: number;
  maxEpoch: number;
  maxMaxEpoch: number;
  keepProb: number;
  lrDecay: number;
}): TrainPreset {
  const referenceLr = 1;
  return {
    cell: "lstm",
    layers: p.layers,
    hidden: p.hidden,
    input: "embedding",
    embed: p.hidden,
    dropout: Math.round((1 - p.keepProb) * 100) / 100,
    inputDropout: Math.round((1 - p.keepProb) * 100) / 100,
    init: { kind: "uniform", scale: p.init },
    forgetBias: 0,
    level: "word",
    vocabMaxSize: 10000,
    layout: "stream",
    seq: p.steps,
    batch: 20,
    lr: referenceLr * p.steps,
    optimizer: { kind: "sgd" },
    clip: p.maxGradNorm / p.steps,
    lrSchedule: { kind: "decay", factor: p.lrDecay, after: p.maxEpoch },
    epochs: p.maxMaxEpoch,
  };
}

/**
 * min-char-rnn.py: a vanilla tanh RNN of 100 units on one-hot characters, windows of 25, one stream,
 * Adagrad at 0.1 (epsilon 1e-8). The original clips each gradient element to ±5 and draws weights
 * from N(0, 0.01²); here the clip is global-norm 5 and the init uniform ±0.01.
 */
const minCharRnn: TrainPreset = {
  cell: "rnn",
  layers: 1,
  hidden: 100,
  input: "onehot",
  init: { kind: "uniform", scale: 0.01 },
  layout: "stream",
  seq: 25,
  batch: 1,
  lr: 0.1,
  optimizer: { kind: "adagrad", epsilon: 1e-8 },
  clip: 5,
  lrSchedule: { kind: "constant" },
  epochs: 10,
};

/**
 * Learns visibly (words, names, line structure) in about two minutes on two CPU cores with the
 * default (onnxruntime) engine: validation loss about 1.58 nats/char when the cores are free.
 */
const quickstart: TrainPreset = {
  cell: "lstm",
  layers: 2,
  hidden: 128,
  input: "embedding",
  embed: 48,
  layout: "stream",
  seq: 64,
  batch: 32,
  lr: 3e-3,
  optimizer: { kind: "adam" },
  clip: 5,
  lrSchedule: { kind: "constant" },
  epochs: 100,
  timeBudget: 150,
  valEvery: 200,
  sampleEvery: 200,
  checkpointEvery: 200,
};

/** Every built-in preset by name. */
/**
 * The best tiny-Shakespeare model that 15 minutes on two CPU cores buys with the onnxruntime engine:
 * a 2×384 LSTM with dropout, halving Adam's rate when validation stops improving.
 */
const shakespeare: TrainPreset = {
  cell: "lstm",
  layers: 2,
  hidden: 384,
  input: "embedding",
  embed: 64,
  dropout: 0.2,
  layout: "stream",
  seq: 100,
  batch: 64,
  lr: 2e-3,
  optimizer: { kind: "adam" },
  clip: 5,
  lrSchedule: { kind: "plateau", factor: 0.5, patience: 1 },
  epochs: 100,
  timeBudget: 900,
  valEvery: 150,
  sampleEvery: 600,
  checkpointEvery: 300,
};

export const PRESETS: Readonly<Record<string, TrainPreset>> = {
  quickstart,
  shakespeare,
  "char-rnn": charRnn,
  "tf-tutorial": tfTutorial,
  "min-char-rnn": minCharRnn,
  "ptb-small": ptb({
    init: 0.1,
    maxGradNorm: 5,
    layers: 2,
    steps: 20,
    hidden: 200,
    maxEpoch: 4,
    maxMaxEpoch: 13,
    keepProb: 1,
    lrDecay: 0.5,
  }),
  "ptb-medium": ptb({
    init: 0.05,
    maxGradNorm: 5,
    layers: 2,
    steps: 35,
    hidden: 650,
    maxEpoch: 6,
    maxMaxEpoch: 39,
    keepProb: 0.5,
    lrDecay: 0.8,
  }),
  "ptb-large": ptb({
    init: 0.04,
    maxGradNorm: 10,
    layers: 2,
    steps: 35,
    hidden: 1500,
    maxEpoch: 14,
    maxMaxEpoch: 55,
    keepProb: 0.35,
    lrDecay: 1 / 1.15,
  }),
  "ptb-test": ptb({
    init: 0.1,
    maxGradNorm: 1,
    layers: 1,
    steps: 2,
    hidden: 2,
    maxEpoch: 1,
    maxMaxEpoch: 1,
    keepProb: 1,
    lrDecay: 0.5,
  }),
};

/**
 * The defaults of a sequence classifier (`charrnn classify train`): a 1×128 GRU over 32-wide
 * character embeddings, last-state pooling, Adam 0.005 with clip 5, 10 epochs of 64 examples, a
 * stratified 10 % validation split checked at the end of each epoch. Not in {@link PRESETS}: those
 * train language models on a text.
 */
export const CLASSIFIER_PRESET: TrainPreset = {
  task: "classifier",
  pooling: "last",
  classWeights: "none",
  cell: "gru",
  layers: 1,
  hidden: 128,
  input: "embedding",
  embed: 32,
  dropout: 0,
  epochs: 10,
  batch: 64,
  lr: 0.005,
  optimizer: { kind: "adam" },
  clip: 5,
  valFraction: 0.1,
  valEvery: 0,
  seed: 0,
};
