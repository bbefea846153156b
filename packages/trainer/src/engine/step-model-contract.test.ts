import { createRng } from "@charrnn/core";
import {
  type CellType,
  initParams,
  type ModelConfig,
  type NamedTensors,
  type RnnState,
  validateConfig,
  zeroState,
} from "@charrnn/models";
import { createOrtStepModel, exportOnnx } from "@charrnn/onnx";
import { importOrtNode } from "@charrnn/onnx/ort-node";
import { checkStepModel, createTsStepModel, createWasmStepModel, type StepModel } from "@charrnn/sampler";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { createTfjsEngine } from "./tfjs-engine";
import { createTfjsStepModel } from "./tfjs-step-model";

const ort = await importOrtNode();

const text = "It is the east, and Juliet is the sun. Arise, fair sun, and kill the envious moon. ".repeat(4);
const vocab = Vocab.fromText(text);

/** A model after a few TF.js training steps: a "trained checkpoint", not fresh initial weights. */
async function trainedParams(config: ModelConfig): Promise<NamedTensors> {
  const engine = await createTfjsEngine({
    config,
    params: initParams(config, createRng(11)),
    optimizer: { kind: "adam" },
    backend: "cpu",
  });
  const ids = vocab.encode(text);
  const B = 4;
  const T = 16;
  const x = new Int32Array(B * T);
  const y = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      x[b * T + t] = ids[b * 40 + t]!;
      y[b * T + t] = ids[b * 40 + t + 1]!;
    }
  }
  let state: RnnState = zeroState(config, B);

  for (let step = 0; step < 3; step++) {
    state = (
      await engine.trainStep({ x, y, batch: B, steps: T }, state, {
        lr: 0.01,
        clipNorm: 5,
        dropoutSeed: step,
      })
    ).state;
  }
  const params = await engine.getParams();
  engine.dispose();
  return params;
}

/** Logits for a 200-token prompt and the final state, one block forward from a zero state. */
async function prompt(model: StepModel, batch: number) {
  const ids = vocab.encode(text.slice(0, 200));
  const tokens = new Int32Array(batch * 200);
  for (let b = 0; b < batch; b++)
    for (let t = 0; t < 200; t++) tokens[b * 200 + t] = ids[(t + 7 * b) % ids.length]!;
  return model.forward(tokens, batch, 200, model.initialState(batch));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? m : Number.POSITIVE_INFINITY;
}

describe("every inference engine meets the StepModel contract on a trained model", () => {
  for (const [cell, layers] of [
    ["rnn", 1],
    ["gru", 2],
    ["lstm", 2],
  ] as [CellType, number][]) {
    it(`${cell} × ${layers}: TF.js, onnxruntime and WebAssembly SIMD match the plain-TS engine`, async () => {
      const config = validateConfig({
        cell,
        layers,
        hidden: 16,
        vocabSize: vocab.size,
        input: "embedding",
        embed: 8,
        dropout: 0,
        init: { kind: "pytorch" },
        forgetBias: 0,
      });
      const params = await trainedParams(config);
      const ts = createTsStepModel({ config, params });
      const tfjs = await createTfjsStepModel({ config, params, backend: "cpu" });
      const onnx = await createOrtStepModel(ort, exportOnnx({ config, vocab: vocab.toJSON(), params }));
      const wasm = await createWasmStepModel({ config, params });
      try {
        const wasmCheck = await checkStepModel(wasm, ts, { batch: 3, steps: 9 });
        expect(wasmCheck.maxLogitDiff).toBeLessThan(1e-5);
        expect(wasmCheck.maxStateDiff).toBeLessThan(1e-5);
        const tfCheck = await checkStepModel(tfjs, ts, { batch: 3, steps: 9 });
        expect(tfCheck.maxLogitDiff).toBeLessThan(1e-5);
        expect(tfCheck.maxStateDiff).toBeLessThan(1e-5);
        const ortCheck = await checkStepModel(onnx, ts, { batch: 3, steps: 9 });
        expect(ortCheck.maxLogitDiff).toBeLessThan(1e-4);
        for (const batch of [1, 4]) {
          const [a, b, c] = [await prompt(ts, batch), await prompt(tfjs, batch), await prompt(onnx, batch)];
          const d = await prompt(wasm, batch);
          expect(maxDiff(d.logits, a.logits)).toBeLessThan(1e-4);
          expect(maxDiff(d.state.h, a.state.h)).toBeLessThan(1e-4);
          expect(maxDiff(b.logits, a.logits)).toBeLessThan(1e-4);
          expect(maxDiff(c.logits, a.logits)).toBeLessThan(1e-4);
          expect(maxDiff(c.logits, b.logits)).toBeLessThan(1e-4);
          expect(maxDiff(c.state.h, b.state.h)).toBeLessThan(1e-4);
          if (cell === "lstm") expect(maxDiff(c.state.c!, b.state.c!)).toBeLessThan(1e-4);
        }
      } finally {
        await tfjs.dispose?.();
        await onnx.dispose?.();
      }
    });
  }
});
