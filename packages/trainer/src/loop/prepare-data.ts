import { CharrnnError, deriveSeed, SEED_STREAMS } from "@charrnn/core";
import {
  buildVocabFromFile,
  createShuffledWindows,
  createStreamBatches,
  encodeCorpus,
  encodeCorpusFiles,
  type LabelledText,
  readCorpus,
  resolveCorpusFiles,
  splitCorpus,
  splitCorpusChunks,
  type TokenIds,
} from "@charrnn/data";
import { Vocab } from "@charrnn/vocab";
import type { ClassificationReport } from "../classify/metrics";
import type { TrainBatch, TrainingEngine } from "../engine/types";
import { evaluateSplit, type SplitScoring, splitStreams } from "./evaluate";
import { initVocab } from "./init-vocab";
import type { InitVocabMode, TrainSettings } from "./settings";
import type { TrainCorpus } from "./train-types";

/** Training windows addressable by (epoch, index), so a run can resume at any window. */
export interface TrainSource {
  readonly windowsPerEpoch: number;
  /** Whether state is carried from window to window (stream layout). */
  readonly carriesState: boolean;
  batchAt(epoch: number, index: number): TrainBatch;
}

/** A validation pass: the mean loss, and a classifier's report (accuracy, confusion matrix). */
export interface SplitScore {
  loss: number;
  report?: ClassificationReport;
}

/** The data of a run, encoded and split, with the training windows and how to score held-out data. */
export interface PreparedData {
  vocab: Vocab;
  /** A classifier's label names (absent for a language model). */
  labels?: readonly string[];
  /**
   * Tokens (a classifier: examples) in the train, validation and test splits; `valScored`: the
   * tokens each validation scores, where `valMaxTokens` makes them fewer than the split's.
   */
  sizes: { train: number; val: number; test: number; valScored?: number };
  source: TrainSource;
  /** Scores the validation split with the engine's weights; `undefined` without one. */
  validate(engine: TrainingEngine): Promise<SplitScore | undefined>;
  /** The test split's mean loss (`settings.testFile`); `undefined` without one. */
  test(engine: TrainingEngine): Promise<number | undefined>;
}

/** A fine-tune's starting vocabulary and what the corpus's new tokens do to it. */
export interface InitBase {
  vocab: Vocab;
  mode: InitVocabMode;
}

/**
 * A language model's data. Reads and encodes the corpus (building the vocab from it unless ids come with theirs), takes the
 * validation split from `settings.validFile` or else the last `valFraction` of the corpus, encodes
 * `settings.testFile`, and lays the training ids out as `settings.layout` says.
 */
export async function prepareData(
  corpus: TrainCorpus,
  settings: TrainSettings,
  base?: InitBase,
): Promise<PreparedData> {
  if (typeof corpus !== "string" && "examples" in corpus) {
    throw new CharrnnError(
      "DATA_LABELLED",
      'labelled examples train a classifier (task "classifier"), not a language model; give a text',
    );
  }
  const { vocab, train, val, test } = await encodeSplits(corpus, settings, base);
  // Test scores the whole file; validation, run many times, may score a sample (valMaxTokens).
  const scoring = { batch: settings.valBatch, steps: settings.valSteps };
  const valScoring = { ...scoring, maxTokens: settings.valMaxTokens };
  return {
    vocab,
    sizes: { train: train.length, val: val.length, test: test.length, ...sampled(val.length, valScoring) },
    source: createTrainSource(train, settings),
    validate: async (engine) => {
      const loss = await evaluateSplit(engine, val, valScoring);
      return loss === undefined ? undefined : { loss };
    },
    test: (engine) => evaluateSplit(engine, test, scoring),
  };
}

/** `{ valScored }` where the scoring's cap leaves tokens of a split of `tokens` unscored, else nothing. */
function sampled(tokens: number, scoring: SplitScoring): { valScored?: number } {
  const { batch, streamLength, scored } = splitStreams(tokens, scoring);
  return scored < streamLength - 1 ? { valScored: batch * scored } : {};
}

/** A language model's corpus encoded, with its train, validation and test splits. */
async function encodeSplits(
  corpus: Exclude<TrainCorpus, LabelledText>,
  settings: TrainSettings,
  base: InitBase | undefined,
): Promise<{ vocab: Vocab; train: TokenIds; val: TokenIds; test: TokenIds }> {
  const build = { level: settings.level, maxSize: settings.vocabMaxSize, minCount: settings.vocabMinCount };
  // Word vocabs cap their size, so rare words are expected and become <unk>. A fine-tune that keeps
  // a char vocabulary without one drops the characters it lacks.
  const oov =
    settings.level === "word" || base?.vocab.unkId !== undefined
      ? ("unk" as const)
      : base?.mode === "keep"
        ? ("skip" as const)
        : ("error" as const);
  const { validFile, testFile } = settings;
  // A word vocab comes from the training text only, as PTB's (held-out words outside it → <unk>); a
  // char vocab has no <unk>, so it also takes the held-out files' characters.
  const glob = settings.dataGlob;
  const separator = settings.docSeparator ?? "\n";
  const filesOf = (spec: string | readonly string[], name: string) =>
    resolveCorpusFiles(typeof spec === "string" ? [spec] : spec, { glob, name });
  const heldFiles = {
    valid: validFile === undefined ? [] : await filesOf(validFile, "validFile"),
    test: testFile === undefined ? [] : await filesOf(testFile, "testFile"),
  };
  const extra = settings.level === "char" ? [...heldFiles.valid, ...heldFiles.test] : [];
  /** Held-out files encoded as one text, the files joined like the corpus's. */
  const encodeHeld = async (files: string[]): Promise<TokenIds> =>
    (await encodeCorpusFiles(files, vocab, { oov, separator })).train;
  let vocab: Vocab;
  let ids: TokenIds;
  let perFileVal: TokenIds | undefined;
  // A fine-tune's vocabulary is the model's, grown by the corpus's own (`initVocab`).
  const grow = (built: Vocab): Vocab =>
    base === undefined ? built : initVocab(base.vocab, built, base.mode);
  if (typeof corpus === "string" || isPathList(corpus)) {
    const files = await filesOf(corpus, "corpus");
    const joins = separator.repeat(files.length - 1);
    vocab = grow(await buildVocabFromFile([...files, ...extra], { ...build, extraText: joins }));
    const perFile = settings.split === "per-file" && validFile === undefined && settings.valFraction > 0;
    const encoded = await encodeCorpusFiles(files, vocab, {
      oov,
      separator,
      val: perFile ? settings.valFraction : 0,
    });
    ids = encoded.train;
    if (perFile) perFileVal = encoded.val;
  } else if ("text" in corpus) {
    const text = await readCorpus(corpus);
    const held = await Promise.all(extra.map((path) => readCorpus(path)));
    vocab = grow(Vocab.fromText([text, ...held].join(""), build));
    ids = encodeCorpus(text, vocab, { oov });
  } else {
    vocab = corpus.vocab;
    ids = corpus.ids;
  }
  checkDistinctTokens(vocab, corpus);
  const test = testFile === undefined ? ids.subarray(0, 0) : await encodeHeld(heldFiles.test);
  if (validFile !== undefined) return { vocab, train: ids, val: await encodeHeld(heldFiles.valid), test };
  if (perFileVal !== undefined) return { vocab, train: ids, val: perFileVal, test };
  const { train, val } =
    settings.split === "chunks"
      ? splitCorpusChunks(ids, { val: settings.valFraction, chunks: settings.splitChunks })
      : splitCorpus(ids, { val: settings.valFraction });
  return { vocab, train, val, test };
}

function isPathList(corpus: unknown): corpus is readonly string[] {
  return Array.isArray(corpus);
}

/**
 * Refuses a corpus of a single distinct token: there is nothing to predict, the loss is 0 from the
 * first step and the "model" would be useless, so the user most likely gave the wrong file.
 */
function checkDistinctTokens(vocab: Vocab, corpus: Exclude<TrainCorpus, LabelledText>): void {
  const counts = vocab.counts;
  let distinct = 0;
  if (counts === undefined) distinct = vocab.size;
  else for (const c of counts) if (c > 0) distinct++;
  if (distinct >= 2) return;
  const what = vocab.level === "char" ? "character" : "word";
  const name = typeof corpus === "string" ? `corpus ${corpus}` : "the corpus";
  throw new CharrnnError(
    "CORPUS_ONE_SYMBOL",
    `${name} has only one distinct ${what}; a language model needs at least 2; give a different text`,
  );
}

function createTrainSource(train: TokenIds, settings: TrainSettings): TrainSource {
  const options = { batch: settings.batch, steps: settings.seq };
  if (settings.layout !== "shuffle") {
    // The shift draws from the data-order stream, as the shuffle does: one layout uses it at a time.
    const shiftSeed =
      settings.layout === "shifted" ? deriveSeed(settings.seed, SEED_STREAMS.shuffle) : undefined;
    const streams = createStreamBatches(train, { ...options, shiftSeed });
    return {
      windowsPerEpoch: streams.windowsPerEpoch,
      carriesState: true,
      batchAt: (epoch, index) => streams.window(index, epoch),
    };
  }
  const windows = createShuffledWindows(train, {
    ...options,
    seed: deriveSeed(settings.seed, SEED_STREAMS.shuffle),
  });
  return { windowsPerEpoch: windows.windowsPerEpoch, carriesState: false, batchAt: windows.batchAt };
}
