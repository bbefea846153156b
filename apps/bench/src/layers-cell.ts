import { selectBackend } from "@charrnn/trainer/tfjs";
import * as tf from "@tensorflow/tfjs-core";
import { cellTrainConfig, modelConfig, shakespeare, trainBatches, trainRow } from "./configs";
import { timeSteps } from "./measure";
import { registerTfGradients } from "./tf-gradients";
import type { BenchRow, CellIo, CellSpec } from "./types";

/**
 * The baseline: a straightforward tf.layers model as in the TF.js text-generation examples —
 * embedding (or one-hot input) → LSTM layers (returnSequences) → timeDistributed dense softmax,
 * categorical cross-entropy, trained with `model.trainOnBatch` on the same backend and config.
 * The wasm backend lacks UnsortedSegmentSum (the embedding gradient), so there the input is one-hot.
 */
export async function runLayersCell(spec: CellSpec, io: CellIo): Promise<void> {
  const train = cellTrainConfig(spec.config!, spec.shrink);
  const vocabSize = shakespeare().vocab.size;
  const config = modelConfig(train.model, vocabSize);
  await registerTfGradients();
  const tfl = await import("@tensorflow/tfjs-layers");
  await selectBackend({ backend: spec.backend });

  const embedding = config.input === "embedding" && spec.backend !== "wasm";
  const notes: string[] = [];
  if (config.input === "embedding" && !embedding)
    notes.push("one-hot input (wasm has no embedding gradient)");
  notes.push("no gradient clipping, state not carried");
  const model = tfl.sequential();
  if (embedding) {
    model.add(
      tfl.layers.embedding({ inputDim: vocabSize, outputDim: config.embed!, inputLength: train.seq }),
    );
  }
  for (let layer = 0; layer < config.layers; layer++) {
    model.add(
      tfl.layers.lstm({
        units: config.hidden,
        returnSequences: true,
        // Orthogonal init of a 512x2048 kernel takes longer than the benchmark; init is not timed anyway.
        recurrentInitializer: "glorotUniform",
        ...(layer === 0 && !embedding ? { inputShape: [train.seq, vocabSize] } : {}),
      }),
    );
  }
  model.add(
    tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: vocabSize, activation: "softmax" }) }),
  );
  const optimizer =
    train.optimizer.kind === "rmsprop"
      ? tf.train.rmsprop(train.lr, 0.95)
      : train.optimizer.kind === "adagrad"
        ? tf.train.adagrad(train.lr)
        : tf.train.adam(train.lr);
  model.compile({ optimizer, loss: "categoricalCrossentropy" });

  const batches = trainBatches(train);
  const shape: [number, number] = [train.batch, train.seq];
  const base = trainRow(spec, train, "tf.layers", spec.backend!);
  const row = (status: BenchRow["status"], times: readonly number[], median: number): BenchRow => ({
    ...base(status, times, median),
    note: notes.join("; "),
  });
  const timing = await timeSteps(
    async (k) => {
      const window = batches.window(k % batches.windowsPerEpoch);
      const [x, y] = tf.tidy(() => {
        const ids = tf.tensor2d(window.x, shape, "int32");
        const input = embedding ? tf.cast(ids, "float32") : tf.cast(tf.oneHot(ids, vocabSize), "float32");
        return [input, tf.cast(tf.oneHot(tf.tensor2d(window.y, shape, "int32"), vocabSize), "float32")];
      });
      await model.trainOnBatch(x, y);
      tf.dispose([x, y]);
    },
    spec.budget,
    {
      onStart: io.stepsStarted,
      onProgress: (partial) => io.emit([row("partial", partial.times, partial.median)], false),
    },
  );
  io.emit([row("ok", timing.times, timing.median)], true);
}
