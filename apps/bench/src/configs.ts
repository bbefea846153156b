import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRng } from "@charrnn/core";
import { createStreamBatches, encodeCorpus, type StreamBatches } from "@charrnn/data";
import { defaultConfig, initParams, type ModelConfig, type NamedTensors } from "@charrnn/models";
import type { OptimizerConfig } from "@charrnn/trainer";
import { Vocab } from "@charrnn/vocab";
import type { BenchRow, CellSpec } from "./types";

/** A standard training configuration from the performance issue. */
export interface TrainConfig {
  id: string;
  label: string;
  model: Omit<ModelConfig, "vocabSize" | "dropout" | "init" | "forgetBias">;
  batch: number;
  seq: number;
  optimizer: OptimizerConfig;
  lr: number;
}

/** (a) min-char-rnn, (b) char-rnn, (c) a large LSTM, (d) a wide GRU. */
export const TRAIN_CONFIGS: Readonly<Record<string, TrainConfig>> = {
  a: {
    id: "a",
    label: "RNN 1x100 one-hot b1 s25 adagrad (min-char-rnn)",
    model: { cell: "rnn", layers: 1, hidden: 100, input: "onehot" },
    batch: 1,
    seq: 25,
    optimizer: { kind: "adagrad" },
    lr: 0.1,
  },
  b: {
    id: "b",
    label: "LSTM 2x128 one-hot b50 s50 rmsprop (char-rnn)",
    model: { cell: "lstm", layers: 2, hidden: 128, input: "onehot" },
    batch: 50,
    seq: 50,
    optimizer: { kind: "rmsprop" },
    lr: 2e-3,
  },
  c: {
    id: "c",
    label: "LSTM 2x512 embed 64 b64 s100 adam",
    model: { cell: "lstm", layers: 2, hidden: 512, input: "embedding", embed: 64 },
    batch: 64,
    seq: 100,
    optimizer: { kind: "adam" },
    lr: 2e-3,
  },
  d: {
    id: "d",
    label: "GRU 1x1024 embed 256 b64 s100 adam",
    model: { cell: "gru", layers: 1, hidden: 1024, input: "embedding", embed: 256 },
    batch: 64,
    seq: 100,
    optimizer: { kind: "adam" },
    lr: 2e-3,
  },
};

/** The config of a cell: the standard one, or its shrunken smoke-run version. */
export function cellTrainConfig(id: string, shrink?: { batch: number; seq: number }): TrainConfig {
  const train = TRAIN_CONFIGS[id];
  if (train === undefined) throw new Error(`unknown train config ${id}`);
  return shrink === undefined ? train : { ...train, ...shrink };
}

/** Global-norm clip used by every training cell (char-rnn's default). */
export const CLIP_NORM = 5;

/** The sampling model: a 2x512 LSTM, embed 64, over the tiny-Shakespeare vocabulary (65). */
export const SAMPLE_MODEL: TrainConfig["model"] = {
  cell: "lstm",
  layers: 2,
  hidden: 512,
  input: "embedding",
  embed: 64,
};

/** Path of a file under the repository's test-fixtures. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../../test-fixtures/${name}`, import.meta.url));
}

let corpus: { vocab: Vocab; ids: Uint8Array | Uint16Array | Uint32Array } | undefined;

/** Tiny Shakespeare, encoded once per process. */
export function shakespeare(): { vocab: Vocab; ids: Uint8Array | Uint16Array | Uint32Array } {
  if (corpus === undefined) {
    const text = readFileSync(fixturePath("tinyshakespeare.txt"), "utf8");
    const vocab = Vocab.fromText(text);
    corpus = { vocab, ids: encodeCorpus(text, vocab) };
  }
  return corpus;
}

/** A full model config for `model` over `vocabSize` tokens (PyTorch init, no dropout). */
export function modelConfig(model: TrainConfig["model"], vocabSize: number): ModelConfig {
  return defaultConfig({ ...model, vocabSize });
}

/** Seeded parameters for a config. */
export function seededParams(config: ModelConfig, seed = 1): NamedTensors {
  return initParams(config, createRng(seed));
}

/** TBPTT windows of tiny Shakespeare for a training config. */
export function trainBatches(train: TrainConfig): StreamBatches {
  return createStreamBatches(shakespeare().ids, { batch: train.batch, steps: train.seq });
}

/**
 * The row a training cell reports for `engine` on `backend`: partial ones while it runs, then the
 * final one; chars/s = batch × seq / median seconds per step.
 */
export function trainRow(
  spec: CellSpec,
  train: TrainConfig,
  engine: string,
  backend: string,
): (status: BenchRow["status"], times: readonly number[], median: number) => BenchRow {
  return (status, times, median) => ({
    cell: spec.id,
    kind: "train",
    config: train.id,
    engine,
    backend,
    batch: train.batch,
    seq: train.seq,
    status,
    charsPerSec: (train.batch * train.seq) / median,
    secPerStep: median,
    steps: times.length,
  });
}
