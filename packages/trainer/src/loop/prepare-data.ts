import {
  buildVocabFromFile,
  createShuffledWindows,
  createStreamBatches,
  encodeCorpus,
  encodeCorpusFile,
  readCorpus,
  splitCorpus,
  type TokenIds,
} from "@charrnn/data";
import { deriveSeed, Vocab } from "@charrnn/vocab";
import type { TrainBatch } from "../engine/types";
import type { TrainSettings } from "./settings";
import type { TrainCorpus } from "./train-types";

/** Training windows addressable by (epoch, index), so a run can resume at any window. */
export interface TrainSource {
  readonly windowsPerEpoch: number;
  /** Whether state is carried from window to window (stream layout). */
  readonly carriesState: boolean;
  batchAt(epoch: number, index: number): TrainBatch;
}

/** The corpus encoded and split, with the training windows. */
export interface PreparedData {
  vocab: Vocab;
  train: TokenIds;
  val: TokenIds;
  source: TrainSource;
}

/** Stream used to derive the shuffle seed from the run seed. */
export const SHUFFLE_SEED_STREAM = 1;

/**
 * Reads and encodes the corpus (building the vocab from it unless ids come with theirs), splits off
 * the last `valFraction` for validation, and lays the rest out as `settings.layout` says.
 */
export async function prepareData(corpus: TrainCorpus, settings: TrainSettings): Promise<PreparedData> {
  const build = { level: settings.level, maxSize: settings.vocabMaxSize };
  // Word vocabs cap their size, so rare words are expected and become <unk>.
  const oov = settings.level === "word" ? ("unk" as const) : ("error" as const);
  let vocab: Vocab;
  let ids: TokenIds;
  if (typeof corpus === "string") {
    vocab = await buildVocabFromFile(corpus, build);
    ids = await encodeCorpusFile(corpus, vocab, { oov });
  } else if ("text" in corpus) {
    const text = await readCorpus(corpus);
    vocab = Vocab.fromText(text, build);
    ids = encodeCorpus(text, vocab, { oov });
  } else {
    vocab = corpus.vocab;
    ids = corpus.ids;
  }
  const { train, val } = splitCorpus(ids, { val: settings.valFraction });
  return { vocab, train, val, source: createTrainSource(train, settings) };
}

function createTrainSource(train: TokenIds, settings: TrainSettings): TrainSource {
  const options = { batch: settings.batch, steps: settings.seq };
  if (settings.layout === "stream") {
    const streams = createStreamBatches(train, options);
    return {
      windowsPerEpoch: streams.windowsPerEpoch,
      carriesState: true,
      batchAt: (_, index) => streams.window(index),
    };
  }
  const windows = createShuffledWindows(train, {
    ...options,
    seed: deriveSeed(settings.seed, SHUFFLE_SEED_STREAM),
  });
  return { windowsPerEpoch: windows.windowsPerEpoch, carriesState: false, batchAt: windows.batchAt };
}
