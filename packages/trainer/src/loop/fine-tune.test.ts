import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRng } from "@charrnn/core";
import {
  EMBEDDING_WEIGHT,
  type NamedTensors,
  OUTPUT_BIAS,
  referenceForward,
  softmaxCrossEntropy,
} from "@charrnn/models";
import { loadModel } from "@charrnn/models/node";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { createReferenceEngine } from "../engine/reference-engine";
import type { EngineOptions } from "../engine/types";
import { growParams, loadInitModel } from "./fine-tune";
import { initVocab } from "./init-vocab";
import { fresh, options, resumeMatches, text } from "./test-helpers";
import { train } from "./train";
import type { TrainEvent } from "./train-types";

// Text B: text A's style with characters A never had (þ, å, and an emoji outside the BMP).
const textA = text;
const textB = `${text.slice(100)}\n${text.slice(0, 100)}`
  .replaceAll("th", "þ")
  .replaceAll("and", "ånd")
  .replaceAll("!", "🙂");
const newChars = ["þ", "å", "🙂"].filter((c) => textB.includes(c));

/** Mean cross-entropy (nats/char) of `params` on all of `t`, as one stream. */
function lossOn(
  config: Parameters<typeof referenceForward>[0],
  params: NamedTensors,
  vocab: Vocab,
  t: string,
): number {
  const ids = vocab.encode(t);
  const x = ids.subarray(0, -1);
  const { logits } = referenceForward(config, params, x, 1, x.length);
  return softmaxCrossEntropy(logits, ids.subarray(1), config.vocabSize).loss;
}

const reference = async (o: EngineOptions) => createReferenceEngine(o);
const tiny = {
  createEngine: reference,
  cell: "gru" as const,
  layers: 1,
  hidden: 16,
  embed: 8,
  seq: 16,
  batch: 4,
  lr: 0.02,
  optimizer: { kind: "adam" as const },
  valFraction: 0.1,
  valEvery: 10,
  checkpointEvery: 100,
  seed: 3,
};

describe("fine-tuning (initFrom)", () => {
  it("grows the vocabulary for text B's new characters and scores B better than before, from a model of A", async () => {
    const outA = fresh();
    await train({ ...tiny, corpus: { text: textA }, outDir: outA, maxSteps: 40 });
    const a = await loadInitModel(outA);
    expect(newChars.length).toBe(3);

    // Before: A's weights with the new rows, exactly as the fine-tune starts.
    const grown = initVocab(a.vocab, Vocab.fromText(textB), "extend");
    expect(grown.tokens.slice(0, a.vocab.size)).toEqual(a.vocab.tokens);
    expect(grown.tokens.slice(a.vocab.size).sort()).toEqual([...newChars].sort());
    const config = { ...a.config, vocabSize: grown.size };
    const before = growParams(config, a.params, a.vocab.size, createRng(1));
    // Old ids keep their rows; new tokens start rarer than any old one.
    const E = a.config.embed!;
    expect(Array.from(before.get(EMBEDDING_WEIGHT)!.data.subarray(0, a.vocab.size * E))).toEqual(
      Array.from(a.params.get(EMBEDDING_WEIGHT)!.data),
    );
    const oldBias = Array.from(a.params.get(OUTPUT_BIAS)!.data);
    const newBias = Array.from(before.get(OUTPUT_BIAS)!.data.subarray(a.vocab.size));
    for (const b of newBias) expect(b).toBeLessThan(Math.min(...oldBias));
    const lossBefore = lossOn(config, before, grown, textB);

    const events: TrainEvent[] = [];
    const outB = fresh();
    const result = await train({
      ...tiny,
      corpus: { text: textB },
      outDir: outB,
      maxSteps: 40,
      initFrom: outA,
      onEvent: (e) => events.push(e),
    });
    const start = events.find((e) => e.type === "start");
    expect(start).toMatchObject({ step: 0, initFrom: { path: outA, addedTokens: 3 }, vocabSize: grown.size });
    expect(result.step).toBe(40);
    const b = await loadModel(join(outB, "model.safetensors"));
    expect(b.vocab.tokens).toEqual(grown.tokens);
    expect(b.config).toMatchObject({ cell: "gru", hidden: 16, embed: 8, vocabSize: grown.size });
    const lossAfter = lossOn(b.config, b.params, grown, textB);
    expect(lossAfter).toBeLessThan(lossBefore - 0.1);
  });

  it("--vocab keep keeps the model's vocabulary (new characters dropped); conflicting architecture is refused", async () => {
    const outA = fresh();
    await train({ ...tiny, corpus: { text: textA }, outDir: outA, maxSteps: 5 });
    const a = await loadInitModel(outA);
    const outB = fresh();
    const events: TrainEvent[] = [];
    await train({
      ...tiny,
      corpus: { text: textB },
      outDir: outB,
      maxSteps: 5,
      initFrom: outA,
      initVocab: "keep",
      onEvent: (e) => events.push(e),
    });
    expect(events.find((e) => e.type === "start")).toMatchObject({ initFrom: { addedTokens: 0 } });
    expect((await loadModel(outB)).vocab.hash).toBe(a.vocab.hash);
    await expect(
      train({ ...tiny, hidden: 32, corpus: { text: textB }, outDir: fresh(), initFrom: outA }),
    ).rejects.toThrow(
      /hidden must be 16 as in the model .* \(fine-tuning keeps its architecture; drop the option\), got 32/,
    );
    await expect(
      train({ ...tiny, cell: "lstm", corpus: { text: textB }, outDir: fresh(), initFrom: outA }),
    ).rejects.toThrow(/cell must be "gru"/);
    await expect(
      train({ ...tiny, corpus: { text: textB }, outDir: fresh(), initFrom: join(outA, "nothing") }),
    ).rejects.toThrow(/nothing/);
  });

  it("word models: new words extend the vocabulary, old ids unchanged", async () => {
    const words = { ...tiny, level: "word" as const, seq: 4, batch: 2 };
    const outA = fresh();
    await train({ ...words, corpus: { text: textA }, outDir: outA, maxSteps: 3 });
    const a = await loadInitModel(outA);
    const outB = fresh();
    const extra = "zebra quagga okapi\n".repeat(5);
    await train({
      ...words,
      corpus: { text: `${textA}\n${extra}` },
      outDir: outB,
      maxSteps: 3,
      initFrom: outA,
    });
    const b = await loadModel(outB);
    expect(b.vocab.tokens.slice(0, a.vocab.size)).toEqual(a.vocab.tokens);
    expect(b.vocab.tokens.slice(a.vocab.size).sort()).toEqual(["okapi", "quagga", "zebra"]);
    expect(b.vocab.unk).toBe(a.vocab.unkId);
  });

  it("a fine-tune run interrupted and resumed equals an uninterrupted one", async () => {
    const outA = fresh();
    await train(options(outA, { maxSteps: 5 }));
    await resumeMatches({ initFrom: outA, corpus: { text: textB } }, 20, 9);
  });
});

describe("fine-tuning a classifier (initFrom)", () => {
  const names = (dir: string, files: string[]) => {
    mkdirSync(dir, { recursive: true });
    for (const f of files) {
      const lines = readFileSync(new URL(`../../../../test-fixtures/names/${f}.txt`, import.meta.url), "utf8")
        .split("\n")
        .slice(0, 80);
      writeFileSync(join(dir, `${f}.txt`), `${lines.join("\n")}\n`);
    }
    return dir;
  };
  const classifier = {
    ...tiny,
    task: "classifier" as const,
    pooling: "last" as const,
    batch: 16,
    valFraction: 0.2,
    valEvery: 0,
    epochs: 3,
  };

  it("new labels extend the head (old label ids kept), new characters the vocabulary", async () => {
    const root = fresh();
    const outA = fresh();
    await train({
      ...classifier,
      corpus: names(join(root, "a"), ["English", "French", "German"]),
      outDir: outA,
    });
    const a = await loadInitModel(outA, "classifier");
    const events: TrainEvent[] = [];
    const outB = fresh();
    await train({
      ...classifier,
      corpus: names(join(root, "b"), ["German", "Spanish", "Italian"]),
      outDir: outB,
      initFrom: outA,
      onEvent: (e) => events.push(e),
    });
    const start = events.find((e) => e.type === "start");
    expect(start).toMatchObject({ initFrom: { path: outA, addedLabels: 2 } });
    const b = await loadModel(outB);
    const head = b.config.head as { labels: string[] };
    expect(head.labels).toEqual(["English", "French", "German", "Italian", "Spanish"]);
    expect(b.vocab.tokens.slice(0, a.vocab.size)).toEqual(a.vocab.tokens);
    // Spanish and Italian names bring accented letters the English/French/German model lacked.
    const added = b.vocab.tokens.slice(a.vocab.size);
    expect(added.length).toBeGreaterThan(0);
    expect(start).toMatchObject({ initFrom: { addedTokens: added.length } });
    for (const t of added) expect(a.vocab.idOf(t)).toBeUndefined();
    expect(b.params.get("classifier.weight")!.shape).toEqual([5, 16]);
    // A language model cannot start from a classifier, nor the other way round.
    await expect(
      train({ ...tiny, corpus: { text: textA }, outDir: fresh(), initFrom: outA }),
    ).rejects.toThrow(/is a classifier; fine-tune it with classify train/);
  });
});
