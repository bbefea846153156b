import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fixture, runInProcess } from "./test/harness";

describe("word-level models: train --level word --valid --test → sample → score → eval", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-words-"));
  const out = join(dir, "run");
  // The first 300 lines of the prepared PTB-style corpus: ~2 200 tokens, 22 windows of 10 × 10.
  const trainText = `${readFileSync(fixture("words/train.txt"), "utf8").split("\n").slice(0, 300).join("\n")}\n`;
  const trainFile = join(dir, "train.txt");
  const validFile = fixture("words/valid.txt");
  const testFile = fixture("words/test.txt");
  const model = ["--engine", "ort", "--layers", "1", "--hidden", "16", "--embed", "8", "--lr", "0.01"];
  const data = ["--data", trainFile, "--valid", validFile, "--test", testFile];
  const vocab = ["--level", "word", "--max-vocab", "300", "--min-count", "2"];
  let trained: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    writeFileSync(trainFile, trainText);
    const window = ["--seq", "10", "--batch", "10", "--epochs", "2", "--val-every", "0", "--seed", "3"];
    trained = await runInProcess(["train", ...data, ...vocab, ...model, ...window, "--out", out]);
    expect(trained.stderr).toMatch(/engine ort/);
    expect(trained.code).toBe(0);
  });

  it("builds the vocab from the training file only, capped and without rare words", () => {
    const counts = new Map<string, number>();
    for (const word of trainText.split(/\s+/)) if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    expect(config.settings).toMatchObject({ level: "word", vocabMaxSize: 300, vocabMinCount: 2 });
    expect(config.settings.validFile).toBe(validFile);
    // <unk> and <eos>, then every word seen at least twice, up to 300 tokens.
    const kept = [...counts.values()].filter((n) => n >= 2).length;
    expect(config.model.vocabSize).toBe(Math.min(300, kept + 2));
  });

  it("prints the PTB-style epoch and test reports in words, and logs valPpl and testPpl", () => {
    const epochs = trained.stderr.match(
      /^Epoch: \d Learning rate: \S+ Train Perplexity: [\d.]+ Valid Perplexity: [\d.]+ \([\d,]+ words\/s\)$/gm,
    );
    expect(epochs).toHaveLength(2);
    expect(trained.stderr).toMatch(/val loss [\d.]+ nats\/word/);
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const val = lines.filter((l) => l.valPpl !== undefined);
    expect(val).toHaveLength(2);
    for (const l of val) expect(l.valPpl).toBeCloseTo(Math.exp(l.valLoss), 9);
    const last = lines.at(-1);
    expect(last.testPpl).toBeCloseTo(Math.exp(last.testLoss), 9);
    expect(trained.stderr).toContain(`Test Perplexity: ${last.testPpl.toFixed(3)}`);
    expect(trained.stdout).toMatch(/test loss [\d.]+ nats\/word, perplexity [\d.]+/);
    // Valid perplexity printed per epoch is the logged one.
    expect(epochs![1]).toContain(`Valid Perplexity: ${val[1].valPpl.toFixed(3)}`);
  });

  it("sample continues a word prime (unknown words become <unk>) and joins words with spaces", async () => {
    const result = await runInProcess(["sample", "--model", out, "--prime", "the cat", "--length", "12"]);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith("the cat ")).toBe(true);
    const again = await runInProcess(["sample", "--model", out, "--prime", "the cat", "--length", "12"]);
    expect(again.stdout).toBe(result.stdout);
    const oov = await runInProcess(["sample", "--model", out, "--prime", "the xyzzy", "--length", "3"]);
    expect(oov.code).toBe(0);
    expect(oov.stdout.startsWith("the xyzzy ")).toBe(true);
  });

  it("score and eval report per-word perplexity, and agree on the same tokens", async () => {
    const score = await runInProcess(["score", "--model", out, "--file", testFile, "--json"]);
    expect(score.code).toBe(0);
    const scored = JSON.parse(score.stdout);
    const evaluated = await runInProcess([
      "eval",
      "--model",
      out,
      "--data",
      testFile,
      "--batch",
      "1",
      "--json",
    ]);
    expect(evaluated.code).toBe(0);
    const report = JSON.parse(evaluated.stdout);
    expect(report.unit).toBe("word");
    expect(report.tokens).toBe(scored.tokens);
    expect(report.perplexity).toBeCloseTo(scored.perplexity, 3);
    const nats = -scored.perToken.reduce((s: number, t: { logProb: number }) => s + t.logProb, 0);
    expect(scored.perplexity).toBeCloseTo(Math.exp(nats / scored.perToken.length), 6);
    const text = await runInProcess(["score", "--model", out, "--text", "my lord zounds"]);
    expect(text.stdout).toMatch(/nats\/word, .* perplexity [\d.]+ over 2 words/);
  });

  it("resume keeps the valid file: another one is refused", async () => {
    const other = await runInProcess(["train", ...data.slice(0, 2), "--valid", testFile, "--resume", out]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/cannot resume .* with validFile/);
  });
});
