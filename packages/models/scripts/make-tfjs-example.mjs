// Writes test-fixtures/tfjs-lstm-text-generation/: a model built and saved with tf.layers exactly as
// the TF.js lstm-text-generation example builds it (stacked tf.layers.lstm with every default, so
// hard-sigmoid gates, one-hot input, a softmax Dense), its vocabulary, and the logits tf.js computes
// for a few windows — what the sampler and ONNX tests compare charrnn's engines against (the models
// test checks the recorded logits against tf.js itself). Run: node packages/models/scripts/make-tfjs-example.mjs
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";

await tf.setBackend("cpu");
const out = fileURLToPath(new URL("../../../test-fixtures/tfjs-lstm-text-generation/", import.meta.url));
const tokens = [..."abcdefgh ,.\n"];
const V = tokens.length;
const sampleLen = 10;
const lstmLayerSizes = [16, 16];

// tfjs-examples/lstm-text-generation/model.js, createModel(lstmLayerSizes, sampleLen, charSetSize).
const model = tf.sequential();
for (let i = 0; i < lstmLayerSizes.length; ++i) {
  model.add(
    tf.layers.lstm({
      units: lstmLayerSizes[i],
      returnSequences: i < lstmLayerSizes.length - 1,
      inputShape: i === 0 ? [sampleLen, V] : undefined,
    }),
  );
}
model.add(tf.layers.dense({ units: V, activation: "softmax" }));
// Trained weights are larger than the initial ones: scale them so that gates reach the hard
// sigmoid's clipped range (|x| > 2.5) as they do in a trained model.
for (const layer of model.layers) layer.setWeights(layer.getWeights().map((w) => w.mul(5)));

mkdirSync(out, { recursive: true });
await model.save(
  tf.io.withSaveHandler(async (artifacts) => {
    writeFileSync(`${out}weights.bin`, new Uint8Array(artifacts.weightData));
    const modelJson = {
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
    };
    writeFileSync(`${out}model.json`, `${JSON.stringify(modelJson)}\n`);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }),
);
writeFileSync(`${out}vocab.json`, `${JSON.stringify(tokens)}\n`);

// The example samples from windows of sampleLen one-hot chars; logits = the Dense pre-softmax.
const windows = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [11, 10, 9, 8, 8, 8, 3, 2, 1, 0],
  [5, 5, 5, 5, 5, 0, 11, 2, 7, 4],
];
const x = tf.oneHot(tf.tensor2d(windows, [windows.length, sampleLen], "int32"), V).toFloat();
const lastLstm = model.layers[model.layers.length - 2];
const h = tf.model({ inputs: model.inputs, outputs: lastLstm.output }).predict(x);
const [kernel, bias] = model.layers[model.layers.length - 1].getWeights();
const logits = Array.from(tf.add(tf.matMul(h, kernel), bias).dataSync());
writeFileSync(
  `${out}expected.json`,
  `${JSON.stringify({ tfjs: tf.version.tfjs, windows, logits }, null, 1)}\n`,
);
console.log(`wrote ${out}`);
