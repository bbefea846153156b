import { int8Weights, type RnnState } from "@charrnn/models";
import { createOrtStepModel, exportOnnx } from "@charrnn/onnx";
import { importOrtNode } from "@charrnn/onnx/ort-node";
import { createTsStepModel, createWasmStepModel, generate, type StepModel } from "@charrnn/sampler";
import type { InferenceSession, Tensor } from "onnxruntime-node";
import { modelConfig, SAMPLE_MODEL, seededParams, shakespeare } from "./configs";
import { timeGenerateSteps } from "./generate-timing";
import { type Budget, type Timing, timeSteps } from "./measure";
import type { BenchRow, CellIo, CellSpec } from "./types";

const BATCHES = [1, 64] as const;

type Step = (tokens: Int32Array, batch: number) => Promise<void> | void;

/**
 * Sampling throughput of one inference engine on a 2x512 LSTM (embed 64, vocab 65): one token per
 * stream per `forward` call, batch 1 and 64, then (for StepModels) the sampler's full `generate`
 * path, decoding included. `ort-raw` is a bare `session.run` loop: the cost of the forward pass itself.
 * `wasm-int8` is the WebAssembly engine on per-row int8 copies of the same weights.
 */
export async function runSampleCell(spec: CellSpec, io: CellIo): Promise<void> {
  const { vocab } = shakespeare();
  const config = modelConfig(SAMPLE_MODEL, vocab.size);
  const params = seededParams(config);
  const rows: BenchRow[] = [];
  const base = { cell: spec.id, kind: "sample" as const, config: "sample-2x512", seq: 1 };
  const push = (row: BenchRow): void => {
    rows.push(row);
    io.emit([...rows], false);
  };

  let model: StepModel | undefined;
  let step: (batch: number) => Step;
  let backend = "onnxruntime-node";
  if (spec.engine === "ts") {
    const ts = createTsStepModel({ config, params });
    model = ts;
    backend = "js";
    step = stepModelLoop(ts);
  } else if (spec.engine === "wasm" || spec.engine === "wasm-int8") {
    const wasm = await createWasmStepModel(
      spec.engine === "wasm" ? { config, params } : { config, params, int8: int8Weights({ config, params }) },
    );
    model = wasm;
    backend = "wasm-simd";
    step = stepModelLoop(wasm);
  } else {
    const ort = await importOrtNode();
    const bytes = exportOnnx({ config, vocab: vocab.toJSON(), params });
    if (spec.engine === "ort-step") {
      const ortModel = await createOrtStepModel(ort, bytes);
      model = ortModel;
      step = stepModelLoop(ortModel);
    } else {
      const session = await ort.InferenceSession.create(bytes);
      step = rawSessionLoop(ort.Tensor, session, config.layers, config.hidden);
    }
  }

  for (const batch of BATCHES) {
    const run = step(batch);
    const tokens = new Int32Array(batch);
    const timing = await timeSteps((k) => {
      for (let b = 0; b < batch; b++) tokens[b] = (k + b * 7) % config.vocabSize;
      return run(tokens, batch);
    }, spec.budget);
    push({
      ...base,
      engine: spec.engine!,
      backend,
      batch,
      status: "ok",
      charsPerSec: batch / timing.median,
      secPerStep: timing.median,
      steps: timing.times.length,
    });
  }

  if (model !== undefined) {
    for (const batch of BATCHES) {
      const timing = await timeGenerate(model, batch, spec.budget);
      push({
        ...base,
        engine: `generate-${spec.engine}`,
        backend,
        batch,
        status: "ok",
        charsPerSec: batch / timing.median,
        secPerStep: timing.median,
        steps: timing.times.length,
        note: "sampler generate(): median s per decoding step (sampling + forward)",
      });
    }
    await model.dispose?.();
  }
  io.emit(rows, true);
}

/** One token per stream per call through a StepModel's `forward`, state carried. */
function stepModelLoop(model: StepModel): (batch: number) => Step {
  return (batch) => {
    let state: RnnState = model.initialState(batch);
    return async (tokens) => {
      state = (await model.forward(tokens, batch, 1, state, { lastOnly: true })).state;
    };
  };
}

/** The same loop on a bare session: int64 ids in, state outputs fed back, nothing else. */
function rawSessionLoop(
  TensorClass: typeof Tensor,
  session: InferenceSession,
  layers: number,
  hidden: number,
): (batch: number) => Step {
  return (batch) => {
    const dims = [layers, batch, hidden];
    const ids = new BigInt64Array(batch);
    let h: Tensor = new TensorClass("float32", new Float32Array(layers * batch * hidden), dims);
    let c: Tensor = new TensorClass("float32", new Float32Array(layers * batch * hidden), dims);
    return async (tokens) => {
      for (let b = 0; b < batch; b++) ids[b] = BigInt(tokens[b]!);
      const out = await session.run({ tokens: new TensorClass("int64", ids, [batch, 1]), h0: h, c0: c });
      h = out.h!;
      c = out.c!;
    };
  };
}

/** Times `generate` (see {@link timeGenerateSteps}) for about the budget's seconds. */
async function timeGenerate(model: StepModel, batch: number, budget: Budget): Promise<Timing> {
  const { vocab } = shakespeare();
  const probe = 5;
  const start = performance.now();
  await generate(model, vocab, { length: probe, num: batch, seed: 1, prime: "ROMEO:" });
  const perToken = (performance.now() - start) / 1000 / probe;
  const length = Math.max(budget.minSteps + 1, Math.min(5000, Math.round(budget.seconds / perToken)));
  return timeGenerateSteps(model, vocab, { length, num: batch, seed: 2, prime: "ROMEO:" });
}
