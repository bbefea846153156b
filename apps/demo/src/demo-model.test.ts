import { createRng } from "@charrnn/core";
import { defaultConfig, initParams, serializeModel } from "@charrnn/models";
import { exportOnnx } from "@charrnn/onnx";
import { Vocab } from "@charrnn/vocab";
import * as ort from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { describeModel, openModelFile } from "./demo-model";

ort.env.wasm.numThreads = 1;
const loadOrt = async () => ort;

const vocab = Vocab.fromText("To be, or not to be\n");
const config = defaultConfig({ vocabSize: vocab.size, cell: "lstm", hidden: 8, embed: 4 });
const params = initParams(config, createRng(3));
const safetensors = serializeModel({
  config,
  vocab: vocab.toJSON(),
  params,
  training: { step: 120, valLoss: 1.23456 },
});
const onnx = exportOnnx({ config, vocab: vocab.toJSON(), params });

async function logits(model: Awaited<ReturnType<ReturnType<typeof openModelFile>["engine"]>>) {
  const ids = vocab.encode("To be");
  return (await model.forward(ids, 1, ids.length, model.initialState(1))).logits;
}

describe("openModelFile", () => {
  it("runs a charrnn model file on every engine with the same logits", async () => {
    const demo = openModelFile("m.safetensors", safetensors, loadOrt);
    expect(demo.engines).toEqual(["wasm", "ts", "onnx"]);
    expect(demo.vocab.hash).toBe(vocab.hash);
    const ts = await logits(await demo.engine("ts"));
    const viaOnnx = await logits(await demo.engine("onnx"));
    const viaWasm = await logits(await demo.engine("wasm"));
    expect(ts.length).toBe(5 * vocab.size);
    for (let i = 0; i < ts.length; i++) expect(Math.abs(ts[i]! - viaOnnx[i]!)).toBeLessThan(1e-4);
    for (let i = 0; i < ts.length; i++) expect(Math.abs(ts[i]! - viaWasm[i]!)).toBeLessThan(1e-5);
    expect(await demo.engine("ts")).toBe(await demo.engine("ts"));
    await demo.dispose();
  });

  it("runs an ONNX file with charrnn metadata on onnxruntime only", async () => {
    const demo = openModelFile("m.onnx", onnx, loadOrt);
    expect(demo.engines).toEqual(["onnx"]);
    expect(demo.vocab.tokens).toEqual(vocab.tokens);
    expect(demo.summary).toContain("1×8 LSTM");
    await expect(demo.engine("ts")).rejects.toMatchObject({ code: "ENGINE_UNAVAILABLE" });
    const viaOnnx = await logits(await demo.engine("onnx"));
    const ts = await logits(await openModelFile("m.safetensors", safetensors, loadOrt).engine("ts"));
    for (let i = 0; i < ts.length; i++) expect(Math.abs(ts[i]! - viaOnnx[i]!)).toBeLessThan(1e-4);
    await demo.dispose();
  });

  it("names the file when it is damaged", () => {
    expect(() => openModelFile("broken.safetensors", safetensors.subarray(0, 100), loadOrt)).toThrow(
      /broken\.safetensors/,
    );
  });
});

describe("describeModel", () => {
  it("lists the architecture, vocabulary, parameters and validation loss", () => {
    // LSTM, V=vocab.size, E=4, H=8: embedding V·4 + W_ih 32·4 + W_hh 32·8 + 2 biases of 32 + output 8·V + V
    const params = vocab.size * 4 + 32 * 4 + 32 * 8 + 64 + vocab.size * 9;
    expect(describeModel(config, { step: 120, valLoss: 1.23456 })).toBe(
      `1×8 LSTM · ${vocab.size} tokens · ${params} parameters · val loss 1.235 at step 120`,
    );
    expect(describeModel(config, { step: 5, valLoss: null })).toBe(
      `1×8 LSTM · ${vocab.size} tokens · ${params} parameters`,
    );
  });
});

describe("openModelFile with a bpe model", () => {
  const bpe = Vocab.fromText("To be, or not to be: café 😀 👩‍👩‍👧\n".repeat(3), {
    level: "bpe",
    maxSize: 270,
  });
  const bpeConfig = defaultConfig({ vocabSize: bpe.size, cell: "gru", hidden: 8, embed: 4 });
  const bpeParams = initParams(bpeConfig, createRng(5));
  const file = serializeModel({ config: bpeConfig, vocab: bpe.toJSON(), params: bpeParams });

  it("loads the merges from the model file and from its ONNX export, and samples whole characters", async () => {
    const demo = openModelFile("bpe.safetensors", file, loadOrt);
    expect([demo.vocab.level, demo.vocab.hash]).toEqual(["bpe", bpe.hash]);
    expect(demo.vocab.merges).toEqual(bpe.merges);
    const fromOnnx = openModelFile(
      "bpe.onnx",
      exportOnnx({ config: bpeConfig, vocab: bpe.toJSON(), params: bpeParams }),
      loadOrt,
    );
    expect(fromOnnx.vocab.hash).toBe(bpe.hash);
    const { generate } = await import("@charrnn/sampler");
    const out = await generate(await demo.engine("ts"), demo.vocab, {
      prime: "café 😀",
      length: 60,
      seed: 1,
    });
    const text = out.samples[0]!.text;
    // Random weights emit stray bytes; a character is only ever replaced whole, never split into halves.
    expect(text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    // Streamed token by token, the text is what decoding all the sampled tokens at once gives.
    expect(text).toBe(demo.vocab.decode(out.samples[0]!.tokens));
    await demo.dispose();
    await fromOnnx.dispose();
  });
});
