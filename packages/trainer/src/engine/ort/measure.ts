// Throughput of the ORT engine on the reference configurations (not a test; the recipe probes'
// measureSteps). Run from packages/trainer:
//   npx tsx --conditions=@charrnn/source src/engine/ort/measure.ts [name…]

import type { CellType, ModelConfig } from "@charrnn/models";
import { measureSteps } from "../../presets/machine-speed";
import type { OptimizerConfig } from "../types";
import { createOrtEngine } from "./ort-engine";

interface Case {
  name: string;
  cell: CellType;
  layers: number;
  hidden: number;
  embed?: number;
  batch: number;
  steps: number;
  optimizer: OptimizerConfig;
}

const VOCAB = 65;
const CASES: Case[] = [
  {
    name: "lstm-2x128-onehot-b50-t50",
    cell: "lstm",
    layers: 2,
    hidden: 128,
    batch: 50,
    steps: 50,
    optimizer: { kind: "rmsprop", decay: 0.95 },
  },
  {
    name: "lstm-2x512-e64-b64-t100",
    cell: "lstm",
    layers: 2,
    hidden: 512,
    embed: 64,
    batch: 64,
    steps: 100,
    optimizer: { kind: "adam" },
  },
  {
    name: "gru-1x1024-e256-b64-t100",
    cell: "gru",
    layers: 1,
    hidden: 1024,
    embed: 256,
    batch: 64,
    steps: 100,
    optimizer: { kind: "adam" },
  },
  {
    name: "rnn-1x100-onehot-b1-t25",
    cell: "rnn",
    layers: 1,
    hidden: 100,
    batch: 1,
    steps: 25,
    optimizer: { kind: "adagrad" },
  },
];

const wanted = process.argv.slice(2);
for (const c of CASES) {
  if (wanted.length > 0 && !wanted.includes(c.name)) continue;
  const config: ModelConfig = {
    cell: c.cell,
    layers: c.layers,
    hidden: c.hidden,
    vocabSize: VOCAB,
    input: c.embed === undefined ? "onehot" : "embedding",
    ...(c.embed === undefined ? {} : { embed: c.embed }),
    dropout: 0,
    init: { kind: "uniform", scale: 0.08 },
    forgetBias: 1,
  };
  const runs = c.batch * c.steps > 1000 ? 5 : 50;
  const setup = { config, optimizer: c.optimizer, batch: c.batch, steps: c.steps, lr: 1e-3, clip: 5 };
  const m = (await measureSteps(createOrtEngine, setup, { minSteps: runs, maxSteps: runs, minSeconds: 0 }))!;
  // The best step shows what the engine does on an idle machine; the median what it did here.
  console.log(
    `${c.name}: ${Math.round(m.charsPerSec)} chars/s median (${((1000 * c.batch * c.steps) / m.charsPerSec).toFixed(1)} ms/step), ` +
      `${Math.round(m.bestCharsPerSec)} best; ${m.seconds.toFixed(2)} s with the session's start`,
  );
}
