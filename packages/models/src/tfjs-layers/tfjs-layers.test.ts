import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { createRng } from "@charrnn/core";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CellType, defaultConfig, type InputMode } from "../config";
import { toKerasLayer, transpose } from "../gate-layout";
import { initParams } from "../init-params";
import type { ModelVocabJSON } from "../model-file";
import { referenceForward } from "../reference/forward";
import type { Tensor } from "../tensor";
import { toTfjsLayersModel } from "./tfjs-export";
import { TFJS_METADATA_KEY } from "./tfjs-format";
import { fromTfjsLayersModel } from "./tfjs-import";
import { readTfjsLayersModel, writeTfjsLayersModel } from "./tfjs-node-io";

const root = mkdtempSync(join(tmpdir(), "charrnn-tfjs-"));
let server: Server;
let base = "";

beforeAll(async () => {
  await tf.setBackend("cpu");
  // tf.loadLayersModel fetches model.json and its shards over HTTP, as a browser would.
  server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(req.url ?? "/")));
    try {
      res.end(readFileSync(path));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

function vocabOf(size: number, level: "char" | "word" = "char"): ModelVocabJSON {
  const tokens = Array.from({ length: size }, (_, i) =>
    level === "char" ? String.fromCodePoint(0x41 + i) : `w${i}`,
  );
  return {
    format: "charrnn-vocab",
    version: 1,
    level,
    tokens,
    unk: null,
    eos: null,
    hash: `sha256:${level}${size}`,
  };
}

function testModel(
  cell: CellType,
  layers: number,
  input: InputMode,
  seed: number,
  level: "char" | "word" = "char",
) {
  const config = defaultConfig({ cell, layers, hidden: 10, embed: 6, vocabSize: 13, input });
  return { config, vocab: vocabOf(13, level), params: initParams(config, createRng(seed)) };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = a.length === b.length ? 0 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe("charrnn export --tfjs: tf.loadLayersModel runs it step by step with state", () => {
  it.each([
    ["lstm", 2, "embedding", "char", "sigmoid"],
    ["rnn", 2, "onehot", "char", "sigmoid"],
    ["lstm", 1, "onehot", "word", "sigmoid"],
    ["lstm", 2, "embedding", "char", "hardSigmoid"],
    ["gru", 2, "embedding", "char", "sigmoid"],
    ["gru", 1, "onehot", "word", "sigmoid"],
    ["gru", 2, "onehot", "char", "hardSigmoid"],
  ] as const)(
    "%s ×%i, %s input, %s vocabulary, %s gates: logits match ours within 1e-4",
    async (cell, layers, input, level, gate) => {
      const m = testModel(cell, layers, input, 21, level);
      if (gate === "hardSigmoid") {
        // Weights ×4 reach the hard sigmoid's clipped range.
        m.config.gateActivation = gate;
        for (const t of m.params.values()) for (let i = 0; i < t.data.length; i++) t.data[i] = t.data[i]! * 4;
      }
      const dir = `${cell}-${layers}-${input}-${gate}`;
      await writeTfjsLayersModel(join(root, dir), toTfjsLayersModel(m));
      const loaded = await tf.loadLayersModel(`${base}/${dir}/model.json`);
      const meta = loaded.getUserDefinedMetadata() as Record<
        string,
        { vocab: ModelVocabJSON; inputs: string[] }
      >;
      expect(meta[TFJS_METADATA_KEY]!.vocab).toEqual(m.vocab);
      expect(loaded.inputNames).toEqual(meta[TFJS_METADATA_KEY]!.inputs);

      const batch = 2;
      const steps = 12;
      const tokens = Int32Array.from({ length: batch * steps }, (_, i) => (i * 7 + 3) % 13);
      const ref = referenceForward(m.config, m.params, tokens, batch, steps);
      const perLayer = cell === "lstm" ? 2 : 1;
      let state = Array.from({ length: layers * perLayer }, () => tf.zeros([batch, 10]));
      const got = new Float32Array(batch * steps * 13);
      for (let t = 0; t < steps; t++) {
        const step = tf.tensor2d(
          Array.from({ length: batch }, (_, b) => [tokens[b * steps + t]!]),
          [batch, 1],
          "int32",
        );
        const out = loaded.predict([step, ...state]) as tf.Tensor[];
        const logits = out[0]!.dataSync();
        for (let b = 0; b < batch; b++) got.set(logits.subarray(b * 13, (b + 1) * 13), (b * steps + t) * 13);
        tf.dispose([step, out[0]!, ...state]);
        state = out.slice(1);
      }
      expect(maxDiff(got, ref.logits)).toBeLessThan(1e-4);
      expect(maxDiff(state[0]!.dataSync(), ref.state.h.subarray(0, batch * 10))).toBeLessThan(1e-4);
      tf.dispose(state);
      loaded.dispose();
    },
  );

  it("a GRU is one step per call, from standard layers only (no GRU layer, no custom class)", () => {
    const { modelJson } = toTfjsLayersModel(testModel("gru", 2, "embedding", 2));
    const layers = (modelJson.modelTopology.config as { layers: { class_name: string }[] }).layers;
    const classes = new Set(layers.map((l) => l.class_name));
    expect([...classes].sort()).toEqual(
      ["Activation", "Add", "Concatenate", "Dense", "Embedding", "InputLayer", "Multiply", "Reshape"].sort(),
    );
    const meta = modelJson.userDefinedMetadata![TFJS_METADATA_KEY] as { steps: number; inputs: string[] };
    expect(meta.steps).toBe(1);
    expect(meta.inputs).toEqual(["tokens", "h0_l0", "h0_l1"]);
  });

  it.each([
    ["lstm", "onehot"],
    ["gru", "onehot"],
    ["gru", "embedding"],
  ] as const)(
    "imports its own %s (%s) export back to the same function, vocabulary from the metadata",
    async (cell, input) => {
      const m = testModel(cell, 2, input, 5);
      const back = fromTfjsLayersModel(toTfjsLayersModel(m));
      // A GRU export is read through its metadata's config; an LSTM like any tf.layers model.
      if (cell === "gru") expect(back.config).toEqual(m.config);
      expect(back.config).toMatchObject({
        cell,
        layers: 2,
        hidden: 10,
        input,
        vocabSize: 13,
      });
      expect(back.vocab).toEqual(m.vocab);
      const tokens = Int32Array.from({ length: 20 }, (_, i) => (i * 5) % 13);
      const a = referenceForward(m.config, m.params, tokens, 2, 10).logits;
      const b = referenceForward(back.config, back.params, tokens, 2, 10).logits;
      expect(maxDiff(a, b)).toBeLessThan(1e-5);
    },
  );
});

/** Saves a tf.layers model the way TF.js's file/HTTP handlers do: model.json plus one weights.bin. */
async function saveWithTfjs(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const path = join(root, dir);
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, "weights.bin"), new Uint8Array(artifacts.weightData as ArrayBuffer));
      writeFileSync(
        join(path, "model.json"),
        JSON.stringify({
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
}

describe("charrnn import --tfjs: models built and saved with tf.layers", () => {
  const V = 11;
  const batch = 3;
  const seq = 9;
  const ids = Array.from({ length: batch * seq }, (_, i) => (i * 4 + 1) % V);

  it("a text-generation example model (one-hot input, 2 stacked LSTMs, softmax Dense) scores the same", async () => {
    const model = tf.sequential();
    model.add(
      tf.layers.lstm({
        units: 8,
        returnSequences: true,
        recurrentActivation: "sigmoid",
        inputShape: [seq, V],
      }),
    );
    model.add(tf.layers.dropout({ rate: 0.2 }));
    model.add(
      tf.layers.lstm({
        units: 8,
        returnSequences: false,
        recurrentActivation: "sigmoid",
        biasInitializer: "randomNormal",
      }),
    );
    model.add(tf.layers.dense({ units: V, activation: "softmax" }));
    await saveWithTfjs(model, "example-onehot");
    const imported = fromTfjsLayersModel(await readTfjsLayersModel(join(root, "example-onehot")), {
      vocab: vocabOf(V),
    });
    expect(imported.config).toMatchObject({
      cell: "lstm",
      layers: 2,
      hidden: 8,
      input: "onehot",
      vocabSize: V,
    });
    const x = tf.oneHot(tf.tensor2d(ids, [batch, seq], "int32"), V).toFloat();
    const probs = (model.predict(x) as tf.Tensor).dataSync();
    const ours = referenceForward(imported.config, imported.params, Int32Array.from(ids), batch, seq).logits;
    for (let b = 0; b < batch; b++) {
      const last = ours.subarray((b * seq + seq - 1) * V, (b * seq + seq) * V);
      const max = Math.max(...last);
      const exp = Array.from(last, (v) => Math.exp(v - max));
      const sum = exp.reduce((s, v) => s + v, 0);
      expect(
        maxDiff(
          exp.map((e) => e / sum),
          probs.subarray(b * V, (b + 1) * V),
        ),
      ).toBeLessThan(1e-5);
    }
  });

  it("the TF.js lstm-text-generation example (default hard-sigmoid gates, test-fixtures/) imports exactly", async () => {
    const fixture = new URL("../../../../test-fixtures/tfjs-lstm-text-generation/", import.meta.url).pathname;
    const expected = JSON.parse(readFileSync(`${fixture}expected.json`, "utf8")) as {
      windows: number[][];
      logits: number[];
    };
    // The recorded logits (which the sampler and ONNX tests compare against) are tf.js's own.
    mkdirSync(join(root, "example"), { recursive: true });
    for (const f of ["model.json", "weights.bin"])
      writeFileSync(join(root, "example", f), readFileSync(fixture + f));
    const model = await tf.loadLayersModel(`${base}/example/model.json`);
    const n = model.layers.length;
    const [B, T] = [expected.windows.length, expected.windows[0]!.length];
    const x = tf.oneHot(tf.tensor2d(expected.windows, [B, T], "int32"), 12).toFloat();
    const top = tf
      .model({ inputs: model.inputs, outputs: model.layers[n - 2]!.output })
      .predict(x) as tf.Tensor;
    const [kernel, bias] = model.layers[n - 1]!.getWeights();
    expect(maxDiff(tf.add(tf.matMul(top, kernel!), bias!).dataSync(), expected.logits)).toBeLessThan(1e-6);

    const tokens = JSON.parse(readFileSync(`${fixture}vocab.json`, "utf8")) as string[];
    const imported = fromTfjsLayersModel(await readTfjsLayersModel(fixture), {
      vocab: { ...vocabOf(12), tokens },
    });
    expect(imported.config).toMatchObject({ cell: "lstm", layers: 2, hidden: 16, input: "onehot" });
    expect(imported.config.gateActivation).toBe("hardSigmoid");
    const ours = referenceForward(
      imported.config,
      imported.params,
      Int32Array.from(expected.windows.flat()),
      B,
      T,
    );
    const last = expected.windows.flatMap((_, b) =>
      Array.from(ours.logits.subarray((b * T + T - 1) * 12, (b * T + T) * 12)),
    );
    expect(maxDiff(last, expected.logits)).toBeLessThan(1e-5);
  });

  it("an embedding model with SimpleRNN layers and a linear Dense gives the same logits at every step", async () => {
    const model = tf.sequential();
    model.add(tf.layers.embedding({ inputDim: V, outputDim: 5, inputLength: seq }));
    model.add(tf.layers.simpleRNN({ units: 7, returnSequences: true, biasInitializer: "randomNormal" }));
    model.add(tf.layers.simpleRNN({ units: 7, returnSequences: true }));
    model.add(tf.layers.dense({ units: V }));
    await saveWithTfjs(model, "example-embedding");
    const imported = fromTfjsLayersModel(await readTfjsLayersModel(join(root, "example-embedding")), {
      vocab: vocabOf(V),
    });
    expect(imported.config).toMatchObject({
      cell: "rnn",
      layers: 2,
      hidden: 7,
      input: "embedding",
      embed: 5,
    });
    const logits = (model.predict(tf.tensor2d(ids, [batch, seq])) as tf.Tensor).dataSync();
    const ours = referenceForward(imported.config, imported.params, Int32Array.from(ids), batch, seq).logits;
    expect(maxDiff(ours, logits)).toBeLessThan(1e-5);
  });

  it("refuses what it cannot convert exactly: Keras 3's hard sigmoid, tfjs GRUs, no vocabulary", async () => {
    const hard = tf.sequential();
    hard.add(tf.layers.lstm({ units: 4, inputShape: [seq, V] }));
    hard.add(tf.layers.dense({ units: V, activation: "softmax" }));
    await saveWithTfjs(hard, "hard-sigmoid");
    const read = await readTfjsLayersModel(join(root, "hard-sigmoid"));
    expect(fromTfjsLayersModel(read, { vocab: vocabOf(V) }).config.gateActivation).toBe("hardSigmoid");
    read.modelJson.modelTopology.keras_version = "3.5.0";
    expect(() => fromTfjsLayersModel(read, { vocab: vocabOf(V), source: "m" })).toThrow(
      expect.objectContaining({
        code: "TFJS_UNSUPPORTED",
        message: expect.stringMatching(/^m: LSTM '.*' has recurrent_activation "hard_sigmoid" \(Keras 3's\)/),
      }),
    );
    const gru = tf.sequential();
    gru.add(tf.layers.gru({ units: 4, inputShape: [seq, V], recurrentActivation: "sigmoid" }));
    gru.add(tf.layers.dense({ units: V }));
    await saveWithTfjs(gru, "gru");
    const gruRead = await readTfjsLayersModel(join(root, "gru"));
    expect(() => fromTfjsLayersModel(gruRead, { vocab: vocabOf(V) })).toThrow(/reset_after=false/);
    const noVocab = tf.sequential();
    noVocab.add(tf.layers.simpleRNN({ units: 4, inputShape: [seq, V] }));
    noVocab.add(tf.layers.dense({ units: V }));
    await saveWithTfjs(noVocab, "no-vocab");
    const plain = await readTfjsLayersModel(join(root, "no-vocab"));
    expect(() => fromTfjsLayersModel(plain)).toThrow(expect.objectContaining({ code: "TFJS_NO_VOCAB" }));
    expect(() => fromTfjsLayersModel(plain, { vocab: vocabOf(V + 1) })).toThrow(
      /predicts 11 tokens but the vocabulary has 12/,
    );
  });

  it("a Keras GRU with reset_after=True (tensorflowjs_converter output) converts exactly", () => {
    const m = testModel("gru", 1, "embedding", 9);
    const keras = toKerasLayer(m.config, m.params, 0);
    const out = m.params.get("output.weight")!;
    const weights: [string, Tensor][] = [
      ["embedding/embeddings", m.params.get("embedding.weight")!],
      ["gru/gru_cell/kernel", keras.kernel],
      ["gru/gru_cell/recurrent_kernel", keras.recurrentKernel],
      ["gru/gru_cell/bias", keras.bias],
      ["dense/kernel", { shape: [10, 13], data: transpose(out.data, 13, 10) }],
      ["dense/bias", m.params.get("output.bias")!],
    ];
    const data = new Float32Array(weights.reduce((n, [, t]) => n + t.data.length, 0));
    let at = 0;
    for (const [, t] of weights) {
      data.set(t.data, at);
      at += t.data.length;
    }
    const layer = (class_name: string, name: string, config: Record<string, unknown>) => ({
      class_name,
      config: { name, ...config },
    });
    const modelJson = {
      format: "layers-model",
      modelTopology: {
        class_name: "Sequential",
        config: {
          name: "sequential",
          layers: [
            layer("InputLayer", "input_1", { batch_input_shape: [null, null], dtype: "int32" }),
            layer("Embedding", "embedding", { input_dim: 13, output_dim: 6 }),
            layer("GRU", "gru", {
              units: 10,
              activation: "tanh",
              recurrent_activation: "sigmoid",
              reset_after: true,
              return_sequences: true,
            }),
            layer("Dense", "dense", { units: 13, activation: "softmax" }),
          ],
        },
      },
      weightsManifest: [
        {
          paths: ["w.bin"],
          weights: weights.map(([name, t]) => ({ name, shape: t.shape, dtype: "float32" })),
        },
      ],
    };
    const imported = fromTfjsLayersModel(
      { modelJson, shards: new Map([["w.bin", new Uint8Array(data.buffer)]]) },
      { vocab: m.vocab },
    );
    expect(imported.config).toMatchObject({
      cell: "gru",
      layers: 1,
      hidden: 10,
      embed: 6,
      input: "embedding",
    });
    const tokens = Int32Array.from({ length: 16 }, (_, i) => (i * 3) % 13);
    const a = referenceForward(m.config, m.params, tokens, 2, 8).logits;
    const b = referenceForward(imported.config, imported.params, tokens, 2, 8).logits;
    expect(maxDiff(a, b)).toBeLessThan(1e-6);
  });
});
