// Throughput of the ORT engine on the reference configurations (not a test). Run from packages/trainer:
//   npx tsx --conditions=@charrnn/source src/engine/ort/measure.ts [name…]

import { createRng } from "@charrnn/core";
import { type CellType, initParams, type ModelConfig, zeroState } from "@charrnn/models";
import type { OptimizerConfig, TrainBatch } from "../types";
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
  const params = initParams(config, createRng(1));
  const engine = await createOrtEngine({ config, params, optimizer: c.optimizer });
  const rng = createRng(2);
  const n = c.batch * c.steps;
  const batch: TrainBatch = { x: new Int32Array(n), y: new Int32Array(n), batch: c.batch, steps: c.steps };
  for (let i = 0; i < n; i++) {
    batch.x[i] = rng.nextInt(VOCAB);
    batch.y[i] = rng.nextInt(VOCAB);
  }
  let state = zeroState(config, c.batch);
  const warmup = 2;
  const runs = c.batch * c.steps > 1000 ? 5 : 50;
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = performance.now();
    const out = await engine.trainStep(batch, state, { lr: 1e-3, clipNorm: 5, dropoutSeed: i });
    if (i >= warmup) times.push(performance.now() - start);
    state = out.state;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]! / 1000;
  const best = times[0]! / 1000;
  // The best run shows what the engine does on an idle machine; the median what it did here.
  console.log(
    `${c.name}: ${Math.round(n / median)} chars/s median (${(median * 1000).toFixed(1)} ms/step), ` +
      `${Math.round(n / best)} best; session ${engine.sessionSeconds.toFixed(2)} s`,
  );
  engine.dispose();
}
