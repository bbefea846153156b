import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Vocab, type VocabJSON } from "@charrnn/vocab";
import { beforeAll, describe, expect, it } from "vitest";
import { fixture, runInProcess } from "./test/harness";

describe("bpe models: train --level bpe --vocab-size → sample → score → export", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-bpe-"));
  const out = join(dir, "run");
  // Shakespeare with emoji, a ZWJ sequence and combining marks, which the bytes must carry exactly.
  const trainText = `${readFileSync(fixture("tinyshakespeare.txt"), "utf8").slice(0, 6000)}\nNOTE: 👩‍👩‍👧 café cafe\u0301 😀😀\n`;
  const trainFile = join(dir, "train.txt");
  const model = ["--engine", "ort", "--layers", "1", "--hidden", "16", "--embed", "8", "--lr", "0.01"];
  let trained: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    writeFileSync(trainFile, trainText);
    const window = ["--seq", "16", "--batch", "8", "--epochs", "1", "--val-every", "0", "--seed", "5"];
    const vocab = ["--level", "bpe", "--vocab-size", "300"];
    trained = await runInProcess(["train", "--data", trainFile, ...vocab, ...model, ...window, "--out", out]);
    expect(trained.code).toBe(0);
  });

  it("learns the vocab from the corpus and stores its merges and hash in the model file", () => {
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    expect(config.settings).toMatchObject({ level: "bpe", vocabMaxSize: 300 });
    expect(config.model.vocabSize).toBe(300);
    expect(trained.stdout).toMatch(/nats\/token/);
    const expected = Vocab.fromText(trainText, { level: "bpe", maxSize: 300 });
    const bytes = readFileSync(join(out, "model.safetensors"));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8"));
    const stored = JSON.parse(header.__metadata__.vocab) as VocabJSON;
    expect(stored.level).toBe("bpe");
    expect(stored.merges).toHaveLength(44);
    expect(Vocab.fromJSON(stored).hash).toBe(expected.hash);
    expect(header.__metadata__.vocabHash).toBe(expected.hash);
  });

  it("samples whole characters after an emoji prime, the same on the ts and onnx engines", async () => {
    const args = ["--prime", "NOTE: 👩‍👩‍👧 ", "--length", "40", "--greedy"];
    const ts = await runInProcess(["sample", "--model", out, "--engine", "ts", ...args]);
    expect(ts.code).toBe(0);
    expect(ts.stdout.startsWith("NOTE: 👩‍👩‍👧 ")).toBe(true);
    // Bytes held until their character completes: no lone surrogate, no U+FFFD before the end.
    expect(ts.stdout.slice(0, -1)).not.toMatch(
      /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
    );
    const onnx = join(dir, "model.onnx");
    const exported = await runInProcess(["export", "--model", out, "--onnx", onnx]);
    expect(exported.code).toBe(0);
    const viaOnnx = await runInProcess(["sample", "--model", onnx, ...args]);
    expect(viaOnnx.code).toBe(0);
    expect(viaOnnx.stdout).toBe(ts.stdout);
  });

  it("scores per token and per character of the decoded text", async () => {
    const text = "ROMEO: café 😀, cafe\u0301!\n";
    const file = join(dir, "score.txt");
    writeFileSync(file, text);
    const result = await runInProcess(["score", "--model", out, "--file", file, "--json"]);
    expect(result.code).toBe(0);
    const scored = JSON.parse(result.stdout);
    const vocab = Vocab.fromText(trainText, { level: "bpe", maxSize: 300 });
    const ids = vocab.encode(text);
    expect(scored.tokens).toBe(ids.length - 1);
    // Every code point but those of the first token (only context), emoji and combining marks one each.
    expect(scored.chars).toBe([...text].length - [...vocab.decode([ids[0]!])].length);
    expect(scored.bitsPerChar).toBeCloseTo(scored.totalNats / Math.LN2 / scored.chars, 12);
    expect(scored.natsPerToken).toBeCloseTo(scored.totalNats / scored.tokens, 12);
    const plain = await runInProcess(["score", "--model", out, "--file", file]);
    expect(plain.stdout).toMatch(/nats\/token, [\d.]+ bits\/char/);
    const evaluated = await runInProcess(["eval", "--model", out, "--data", trainFile, "--json"]);
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.stdout).unit).toBe("token");
  });

  it("refuses a vocab size below the 256 bytes, naming the flag", async () => {
    const bad = await runInProcess([
      "train",
      "--data",
      trainFile,
      "--level",
      "bpe",
      "--vocab-size",
      "100",
      "--out",
      join(dir, "bad"),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--vocab-size/);
    const charLevel = await runInProcess([
      "train",
      "--data",
      trainFile,
      "--vocab-size",
      "300",
      "--out",
      join(dir, "c"),
    ]);
    expect(charLevel.code).toBe(2);
    expect(charLevel.stderr).toMatch(/--vocab-size sets a bpe vocabulary: add --level bpe/);
  });
});
