// Sampling speed of the sampler's own engines counted in CPU time, for a machine other jobs load:
// wall-clock medians there flatter short steps (a long step is interrupted more often), CPU time
// does not. All engines run in ONE process, interleaved round by round, so each round sees the same
// load; the result per engine is the median over rounds of tokens per CPU-second. Each engine is
// counted twice: bare one-token `forward` steps, and the sampler's whole `generate` path (sampling,
// stop-text and event bookkeeping included), so the decoding loop's own cost shows as the gap.
// Usage: pnpm --filter @charrnn/bench engine-cpu [--rounds 30] [--batches 1,64]
// Prints a markdown table and writes the JSON to bench-results/engine-cpu-<date>.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { int8Weights, type RnnState } from "@charrnn/models";
import { createTsStepModel, createWasmStepModel, generate, type StepModel } from "@charrnn/sampler";
import { modelConfig, SAMPLE_MODEL, seededParams, shakespeare } from "./configs";
import { currentLoad, machineInfo } from "./machine";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "30" },
    batches: { type: "string", default: "1,64" },
  },
});
const rounds = Number(values.rounds);
const batches = values.batches.split(",").map(Number);
if (!(rounds >= 2) || batches.some((b) => !Number.isInteger(b) || b < 1)) {
  console.error("usage: engine-cpu [--rounds N ≥ 2] [--batches 1,64]");
  process.exit(2);
}
const machine = machineInfo(process.argv.slice(2));
machine.command = `pnpm --filter @charrnn/bench engine-cpu ${process.argv.slice(2).join(" ")}`.trim();
const { vocab } = shakespeare();
const config = modelConfig(SAMPLE_MODEL, vocab.size);
const params = seededParams(config);
const engines: [string, StepModel][] = [
  ["ts", createTsStepModel({ config, params })],
  ["wasm", await createWasmStepModel({ config, params })],
  ["wasm-int8", await createWasmStepModel({ config, params, int8: int8Weights({ config, params }) })],
];

/** Steps per round: about 20 ms of CPU for the WebAssembly engines, fewer for the slow one. */
const stepsPerRound = (engine: string, batch: number): number =>
  Math.max(2, Math.round((engine === "ts" ? 8 : 40) / Math.max(1, batch / 4)));
/**
 * Tokens per `generate` call: twice a round's steps (at least 8), since each call also runs one
 * batched start step (from `startToken`) that is not counted as a generated token.
 */
const generateLength = (engine: string, batch: number): number =>
  Math.max(8, 2 * stepsPerRound(engine, batch));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const cpuSeconds = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

const rows: {
  engine: string;
  path: "forward" | "generate";
  batch: number;
  tokensPerCpuSecond: number;
  vsTs: number;
  rounds: number;
}[] = [];
for (const batch of batches) {
  const rates = new Map<string, number[]>();
  for (const [name] of engines) for (const path of ["forward", "generate"]) rates.set(`${name}/${path}`, []);
  const states = new Map<string, RnnState>(engines.map(([name, m]) => [name, m.initialState(batch)]));
  const tokens = new Int32Array(batch);
  // Round 0 warms up (JIT tiers, first-batch buffers) and is not counted.
  for (let round = 0; round <= rounds; round++) {
    for (const [name, model] of engines) {
      const steps = stepsPerRound(name, batch);
      let start = process.cpuUsage();
      for (let k = 0; k < steps; k++) {
        for (let b = 0; b < batch; b++) tokens[b] = (k + b * 7) % config.vocabSize;
        const out = model.forward(tokens, batch, 1, states.get(name)!, { lastOnly: true });
        if (out instanceof Promise) throw new Error(`${name}: expected a synchronous forward`);
        states.set(name, out.state);
      }
      const forwardSeconds = cpuSeconds(start);
      const length = generateLength(name, batch);
      start = process.cpuUsage();
      await generate(model, vocab, { length, num: batch, seed: round, startToken: 0 });
      const generateSeconds = cpuSeconds(start);
      if (round > 0) {
        rates.get(`${name}/forward`)!.push((steps * batch) / forwardSeconds);
        rates.get(`${name}/generate`)!.push((length * batch) / generateSeconds);
      }
    }
  }
  for (const path of ["forward", "generate"] as const) {
    const ts = median(rates.get(`ts/${path}`)!);
    for (const [name] of engines) {
      const rate = median(rates.get(`${name}/${path}`)!);
      rows.push({ engine: name, path, batch, tokensPerCpuSecond: rate, vsTs: rate / ts, rounds });
    }
  }
}
machine.loadAverage.end = currentLoad();

const fmt = (x: number): string => Math.round(x).toLocaleString("en-US");
console.log(`| engine | path | ${batches.map((b) => `batch ${b}`).join(" | ")} |`);
console.log(`| --- | --- | ${batches.map(() => "---").join(" | ")} |`);
for (const path of ["forward", "generate"] as const) {
  for (const [name] of engines) {
    const cells = batches.map((b) => {
      const row = rows.find((r) => r.engine === name && r.path === path && r.batch === b)!;
      return name === "ts"
        ? fmt(row.tokensPerCpuSecond)
        : `${fmt(row.tokensPerCpuSecond)} (${row.vsTs.toFixed(1)}×)`;
    });
    console.log(`| ${name} | ${path} | ${cells.join(" | ")} |`);
  }
}
const out = resolve(import.meta.dirname, "../../../bench-results");
mkdirSync(out, { recursive: true });
const path = resolve(out, `engine-cpu-${machine.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(path, JSON.stringify({ machine, config, unit: "tokens per CPU-second", rows }, null, 2));
console.log(`load average ${machine.loadAverage.start} → ${machine.loadAverage.end}; JSON: ${path}`);
