import { CharrnnError, deriveSeed, SEED_STREAMS } from "@charrnn/core";
import { createPaddedBatches, type LabelledText, loadLabelledText, stratifiedSplit } from "@charrnn/data";
import { zeroState } from "@charrnn/models";
import { createTokenCounter, Vocab } from "@charrnn/vocab";
import type { TrainingEngine } from "../engine/types";
import { initVocab } from "../loop/init-vocab";
import type { InitBase, PreparedData } from "../loop/prepare-data";
import type { TrainSettings } from "../loop/settings";
import type { TrainCorpus } from "../loop/train-types";
import { toClassifierTrainBatch } from "./classifier-batch";
import { balancedClassWeights, type ClassificationReport, createConfusionAccumulator } from "./metrics";

// Padded windows are rounded up to a multiple of this many steps so that the engine sees few
// distinct window shapes (the ORT engine builds one session per shape).
const STEP_BUCKET = 4;

/**
 * A classifier's data for the training loop: the labelled texts (loaded from `data` when it is a
 * path) split per label (`stratifiedSplit`, `valFraction`, `seed`), a char vocabulary of the
 * training texts (with U+FFFD for characters seen only elsewhere), and length-sorted padded batches
 * reshuffled each epoch, addressable by (epoch, index) so a run resumes at any batch. Validation
 * scores every held-out example and reports accuracy, the confusion matrix and the loss.
 */
export async function prepareClassifierData(
  data: TrainCorpus,
  settings: TrainSettings,
  base?: InitBase & { labels: readonly string[] },
): Promise<PreparedData> {
  if (typeof data !== "string" && !("examples" in data)) {
    throw new CharrnnError(
      "DATA_NOT_LABELLED",
      "a classifier trains on labelled texts: a directory of label.txt files, a .csv/.tsv, or { labels, examples }",
    );
  }
  const loaded = typeof data === "string" ? await loadLabelledText(data) : data;
  // A fine-tune keeps the model's label ids and appends the labels it lacks (their head rows are new).
  const set = base === undefined ? loaded : withBaseLabels(loaded, base.labels);
  const { labels } = set;
  if (labels.length < 2) {
    throw new CharrnnError(
      "DATA_ONE_LABEL",
      `a classifier needs at least 2 labels, the data has ${labels.length}`,
    );
  }
  const { train, val } = stratifiedSplit(set.examples, { val: settings.valFraction, seed: settings.seed });
  if (train.length === 0 || val.length === 0) {
    throw new CharrnnError(
      "DATA_TOO_SMALL",
      `the split left ${train.length} training and ${val.length} validation examples; raise --val-fraction or add data`,
    );
  }
  const counter = createTokenCounter("char");
  for (const example of train) counter.push(example.text);
  const built = Vocab.fromCounts(counter.end(), { level: "char", unk: true });
  const vocab = base === undefined ? built : initVocab(base.vocab, built, base.mode);
  const encode = (examples: typeof train) =>
    examples.map((e) => ({ ids: vocab.encode(e.text, { oov: "unk" }), label: e.label }));
  const classWeights =
    settings.classWeights === "balanced"
      ? balancedClassWeights(
          labels.length,
          Int32Array.from(train, (e) => e.label),
        )
      : undefined;
  const trainBatches = createPaddedBatches(encode(train), {
    batch: settings.batch,
    seed: deriveSeed(settings.seed, SEED_STREAMS.shuffle),
    sortByLength: true,
  });
  const valBatches = createPaddedBatches(encode(val), {
    batch: settings.batch,
    shuffle: false,
    sortByLength: true,
  });

  const validate = async (
    engine: TrainingEngine,
  ): Promise<{ loss: number; report: ClassificationReport }> => {
    const acc = createConfusionAccumulator(labels);
    for (const padded of valBatches.epoch(0)) {
      const batch = toClassifierTrainBatch(bucketed(padded));
      const out = await engine.evaluate(batch, zeroState(engine.config, batch.batch));
      if (out.logits === undefined) {
        throw new CharrnnError(
          "ENGINE_UNSUPPORTED",
          `the ${engine.name} engine returns no classifier logits; use --engine ort or reference`,
        );
      }
      acc.add(out.logits, padded.labels, padded.batch);
    }
    const report = acc.report();
    return { loss: report.loss, report };
  };

  return {
    vocab,
    labels,
    sizes: { train: train.length, val: val.length, test: 0 },
    source: {
      windowsPerEpoch: trainBatches.batchesPerEpoch,
      carriesState: false,
      batchAt: (epoch, index) =>
        toClassifierTrainBatch(bucketed(trainBatches.batchAt(epoch, index)), classWeights),
    },
    validate,
    test: async () => undefined,
  };
}

/** The labelled set with its labels in `base`'s order, then its own new ones in theirs. */
function withBaseLabels(set: LabelledText, base: readonly string[]): LabelledText {
  const labels = [...base, ...set.labels.filter((l) => !base.includes(l))];
  const index = set.labels.map((l) => labels.indexOf(l));
  return { labels, examples: set.examples.map((e) => ({ ...e, label: index[e.label]! })) };
}

/** The batch with its steps rounded up to a multiple of `STEP_BUCKET` (more padding, same result). */
function bucketed<
  B extends { x: Int32Array; lengths: Int32Array; labels: Int32Array; batch: number; steps: number },
>(padded: B): B {
  const steps = Math.ceil(padded.steps / STEP_BUCKET) * STEP_BUCKET;
  if (steps === padded.steps) return padded;
  const x = new Int32Array(padded.batch * steps);
  for (let b = 0; b < padded.batch; b++) {
    x.set(padded.x.subarray(b * padded.steps, (b + 1) * padded.steps), b * steps);
  }
  return { ...padded, x, steps };
}
