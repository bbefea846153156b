// Size, validation loss and sampling speed of one trained model in every weight dtype, in one run.
// Usage: pnpm --filter @charrnn/bench dtypes --model runs/shakespeare --data test-fixtures/tinyshakespeare.txt
//        [--val-fraction 0.1] [--tokens 400]
// Prints a markdown table and writes the JSON to bench-results/dtypes-<date>.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { readCorpus, splitCorpus } from "@charrnn/data";
import {
  layerParamNames,
  type NamedTensors,
  parseModel,
  reducedWeightNames,
  roundTripWeights,
  serializeModel,
  WEIGHT_DTYPES,
  type WeightDtype,
} from "@charrnn/models";
import { loadModel } from "@charrnn/models/node";
import { createOrtStepModel, exportOnnx } from "@charrnn/onnx";
import { importOrtNode } from "@charrnn/onnx/ort-node";
import {
  createTsStepModel,
  createWasmStepModel,
  generate,
  type StepModel,
  scoreCorpus,
  wasmSimdSupported,
} from "@charrnn/sampler";
import { Vocab } from "@charrnn/vocab";
import { timeGenerateSteps } from "./generate-timing";
import { machineInfo } from "./machine";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    data: { type: "string" },
    "val-fraction": { type: "string", default: "0.1" },
    tokens: { type: "string", default: "400" },
  },
});
if (values.model === undefined || values.data === undefined) {
  console.error("usage: dtypes --model PATH --data FILE [--val-fraction F] [--tokens N]");
  process.exit(2);
}
const machine = machineInfo(process.argv);
const file = await loadModel(values.model);
if (file.dtype !== undefined)
  throw new Error(`--model ${values.model} is ${file.dtype}; measure from the float32 model`);
const vocab = Vocab.fromJSON(file.vocab);
const ids = vocab.encode(await readCorpus(values.data), { oov: vocab.unkId === undefined ? "error" : "unk" });
const val = splitCorpus(ids, { val: Number(values["val-fraction"]) }).val;
const tokens = Number(values.tokens);
const ort = await importOrtNode();

/** A variant: a dtype, and which matrices it reduces (int8 is measured with and without its ends). */
interface Variant {
  label: string;
  dtype: WeightDtype;
  reduced: string[];
}
const variants: Variant[] = WEIGHT_DTYPES.map((dtype) => ({
  label: dtype,
  dtype,
  reduced: reducedWeightNames(file.config, dtype),
}));
const recurrentOnly: string[] = [];
for (let k = 0; k < file.config.layers; k++) {
  const names = layerParamNames(k);
  recurrentOnly.push(names.weightIh, names.weightHh);
}
variants.push({ label: "int8, embedding + output f32", dtype: "int8", reduced: recurrentOnly });

/** The float32 weights a variant computes with. */
function widened(reduced: readonly string[], dtype: WeightDtype): NamedTensors {
  const out: NamedTensors = new Map();
  for (const [name, t] of file.params) {
    const data = reduced.includes(name)
      ? roundTripWeights(t.data, t.shape[0]!, t.shape[1] ?? 1, dtype)
      : t.data;
    out.set(name, { shape: t.shape, data });
  }
  return out;
}

/** Tokens/s of `generate` at batch 1: one over its median decoding step (after a warm-up run). */
async function tokensPerSecond(model: StepModel): Promise<number> {
  await generate(model, vocab, { prime: "ROMEO:", length: 50, seed: 1 });
  const timing = await timeGenerateSteps(model, vocab, { prime: "ROMEO:", length: tokens, num: 1, seed: 1 });
  return 1 / timing.median;
}

const rows = [];
let baseLoss = Number.NaN;
for (const v of variants) {
  const standard = v.reduced.length === reducedWeightNames(file.config, v.dtype).length;
  const bytes = standard ? serializeModel(file, { dtype: v.dtype }) : undefined;
  // The non-standard variant's file size: float32, less 3 bytes per reduced weight, plus a scale per row.
  const estimate = v.reduced.reduce(
    (n, name) => n - 3 * file.params.get(name)!.data.length + 4 * file.params.get(name)!.shape[0]!,
    serializeModel(file).byteLength,
  );
  const params = widened(v.reduced, v.dtype);
  // Loss on onnxruntime (the plain-TS engine computes the same logits, slower), from the widened weights.
  const scorer = await createOrtStepModel(ort, exportOnnx({ ...file, params }));
  const loss = (await scoreCorpus(scorer, val, { batch: 16, steps: 256 })).natsPerToken;
  await scorer.dispose();
  if (v.dtype === "f32") baseLoss = loss;
  const row: Record<string, unknown> = {
    variant: v.label,
    modelFileBytes: bytes?.byteLength ?? estimate,
    valLoss: loss,
    lossChange: loss - baseLoss,
  };
  if (bytes !== undefined) {
    const onnxBytes = exportOnnx(file, { dtype: v.dtype });
    row.onnxBytes = onnxBytes.byteLength;
    const loads: number[] = [];
    let loaded = parseModel(bytes);
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      loaded = parseModel(bytes);
      loads.push(performance.now() - t0);
    }
    row.loadMs = loads.sort((a, b) => a - b)[2];
    row.tsTokensPerSec = await tokensPerSecond(
      createTsStepModel({ config: loaded.config, params: loaded.params }),
    );
    if (wasmSimdSupported()) {
      const wasm = await createWasmStepModel({ config: loaded.config, params: loaded.params });
      row.wasmTokensPerSec = await tokensPerSecond(wasm);
      if (loaded.int8 !== undefined) {
        // The WebAssembly engine's int8 kernels (int8 weights × int16-quantized inputs): other numerics.
        const q = await createWasmStepModel({
          config: loaded.config,
          params: loaded.params,
          int8: loaded.int8,
        });
        row.wasmInt8TokensPerSec = await tokensPerSecond(q);
        row.wasmInt8ValLoss = (await scoreCorpus(q, val, { batch: 16, steps: 256 })).natsPerToken;
      }
    }
    const start = performance.now();
    const session = await createOrtStepModel(ort, onnxBytes);
    row.onnxSessionMs = performance.now() - start;
    row.onnxTokensPerSec = await tokensPerSecond(session);
    await session.dispose();
  }
  rows.push(row);
  console.error(JSON.stringify(row));
}

const fmt = (n: unknown, digits = 0) =>
  typeof n === "number"
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "–";
const kib = (n: unknown) => (typeof n === "number" ? `${fmt(n / 1024, 0)} KiB` : "–");
console.log(
  `model ${values.model}: ${file.config.layers}×${file.config.hidden} ${file.config.cell}, ${val.length} validation chars`,
);
console.log(
  "| dtype | model file | .onnx | val loss (nats/char) | change | load | tokens/s plain-TS | wasm | wasm int8 kernels | onnxruntime |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  console.log(
    `| ${r.variant} | ${kib(r.modelFileBytes)} | ${kib(r.onnxBytes)} | ${fmt(r.valLoss, 4)} | ${(r.lossChange as number) >= 0 ? "+" : ""}${fmt(r.lossChange, 5)} | ${fmt(r.loadMs, 0)} ms | ${fmt(r.tsTokensPerSec)} | ${fmt(r.wasmTokensPerSec)} | ${fmt(r.wasmInt8TokensPerSec)}${typeof r.wasmInt8ValLoss === "number" ? ` (loss ${fmt(r.wasmInt8ValLoss, 4)})` : ""} | ${fmt(r.onnxTokensPerSec)} |`,
  );
}
const out = resolve(import.meta.dirname, "../../../bench-results");
mkdirSync(out, { recursive: true });
const path = resolve(out, `dtypes-${machine.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(
  path,
  JSON.stringify(
    { machine, model: values.model, config: file.config, validationTokens: val.length, rows },
    null,
    2,
  ),
);
console.log(`JSON: ${path}`);
