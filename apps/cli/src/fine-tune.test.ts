import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, runInProcess } from "./test/harness";

const shakespeare = readFileSync(fixture("tinyshakespeare.txt"), "utf8");

describe("train --init-from: fine-tune a model on new text", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-finetune-"));
  const textA = join(dir, "a.txt");
  const textB = join(dir, "b.txt");
  writeFileSync(textA, shakespeare.slice(0, 3000));
  // New characters: þ, å and an emoji outside the BMP.
  writeFileSync(
    textB,
    shakespeare.slice(3000, 5000).replaceAll("th", "þ").replaceAll("and", "ånd").replaceAll("!", "🙂"),
  );
  const tiny = [
    "--cell",
    "gru",
    "--layers",
    "1",
    "--hidden",
    "16",
    "--embed",
    "8",
    "--seq",
    "16",
    "--batch",
    "4",
  ];
  const runA = join(dir, "a");
  const runB = join(dir, "b");

  it("trains on A with one engine, fine-tunes on B with another, reports the added tokens; the result samples, scores and exports", async () => {
    const a = await runInProcess([
      "train",
      "--data",
      textA,
      "--out",
      runA,
      ...tiny,
      "--engine",
      "ort",
      "--max-steps",
      "20",
      "--seed",
      "1",
    ]);
    expect(a.code).toBe(0);
    const b = await runInProcess([
      "train",
      "--data",
      textB,
      "--out",
      runB,
      "--init-from",
      runA,
      "--engine",
      "reference",
      "--seq",
      "16",
      "--batch",
      "4",
      "--max-steps",
      "20",
      "--val-every",
      "10",
    ]);
    expect(b.code, b.stderr).toBe(0);
    const seen = new Set(readFileSync(textA, "utf8"));
    const added = new Set([...readFileSync(textB, "utf8")].filter((c) => !seen.has(c)));
    expect([...added]).toEqual(expect.arrayContaining(["þ", "å", "🙂"]));
    expect(b.stderr).toContain(`fine-tuning ${runA} (vocabulary extended by ${added.size} tokens)`);
    const config = JSON.parse(readFileSync(join(runB, "config.json"), "utf8"));
    expect(config.model).toMatchObject({ cell: "gru", hidden: 16, embed: 8 });
    expect(config.settings.initFrom).toBe(runA);

    const sample = await runInProcess([
      "sample",
      "--model",
      runB,
      "--prime",
      "þe ",
      "--length",
      "20",
      "--seed",
      "2",
    ]);
    expect(sample.code).toBe(0);
    expect(sample.stdout.startsWith("þe ")).toBe(true);
    const score = await runInProcess(["score", "--model", runB, "--text", "þe kinge 🙂", "--json"]);
    expect(score.code).toBe(0);
    const onnx = join(dir, "b.onnx");
    expect((await runInProcess(["export", "--model", runB, "--onnx", onnx])).code).toBe(0);
    const viaOnnx = await runInProcess([
      "sample",
      "--model",
      onnx,
      "--prime",
      "þe ",
      "--length",
      "20",
      "--greedy",
    ]);
    const viaTs = await runInProcess([
      "sample",
      "--model",
      runB,
      "--prime",
      "þe ",
      "--length",
      "20",
      "--greedy",
    ]);
    expect(viaOnnx.code).toBe(0);
    expect(viaOnnx.stdout).toBe(viaTs.stdout);
  });

  it("refuses conflicting architecture flags naming the flag, and --vocab without --init-from", async () => {
    const hidden = await runInProcess([
      "train",
      "--data",
      textB,
      "--out",
      join(dir, "c"),
      "--init-from",
      runA,
      "--hidden",
      "32",
    ]);
    expect(hidden.code).toBe(2);
    expect(hidden.stderr).toMatch(/--hidden must be 16 as in the model .*drop the option/);
    const cell = await runInProcess([
      "train",
      "--data",
      textB,
      "--out",
      join(dir, "c"),
      "--init-from",
      runA,
      "--cell",
      "lstm",
    ]);
    expect(cell.code).toBe(2);
    expect(cell.stderr).toMatch(/--cell must be "gru"/);
    const vocab = await runInProcess(["train", "--data", textB, "--out", join(dir, "c"), "--vocab", "keep"]);
    expect(vocab.code).toBe(2);
    expect(vocab.stderr).toMatch(/--vocab extend\|keep goes with --init-from/);
    const both = await runInProcess([
      "train",
      "--data",
      textB,
      "--out",
      runB,
      "--init-from",
      runA,
      "--resume",
      runB,
    ]);
    expect(both.code).toBe(2);
  });
});

describe("classify train --init-from: new labels extend the head", () => {
  it("fine-tunes a 3-language classifier on data with 2 more languages; predict knows all 5", async () => {
    const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-finetune-classify-"));
    const names = (sub: string, langs: string[]) => {
      mkdirSync(join(dir, sub));
      for (const l of langs) {
        const lines = readFileSync(fixture(`names/${l}.txt`), "utf8")
          .split("\n")
          .slice(0, 60);
        writeFileSync(join(dir, sub, `${l}.txt`), `${lines.join("\n")}\n`);
      }
      return join(dir, sub);
    };
    const small = [
      "--engine",
      "reference",
      "--hidden",
      "16",
      "--embed",
      "8",
      "--batch",
      "16",
      "--max-steps",
      "6",
    ];
    const a = await runInProcess([
      "classify",
      "train",
      "--data",
      names("a", ["English", "French", "German"]),
      "--out",
      join(dir, "ca"),
      ...small,
    ]);
    expect(a.code, a.stderr).toBe(0);
    const b = await runInProcess([
      "classify",
      "train",
      "--data",
      names("b", ["German", "Spanish", "Italian"]),
      "--out",
      join(dir, "cb"),
      "--init-from",
      join(dir, "ca"),
      "--engine",
      "reference",
      "--batch",
      "16",
      "--max-steps",
      "6",
    ]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/5 labels, .*fine-tuning .*ca \(\+2 labels, \+\d+ characters\)/);
    const predict = await runInProcess([
      "classify",
      "predict",
      "--model",
      join(dir, "cb"),
      "--top",
      "5",
      "Rossi",
    ]);
    expect(predict.code).toBe(0);
    for (const label of ["English", "French", "German", "Italian", "Spanish"])
      expect(predict.stdout).toContain(label);
    const conflict = await runInProcess([
      "classify",
      "train",
      "--data",
      join(dir, "b"),
      "--out",
      join(dir, "cc"),
      "--init-from",
      join(dir, "ca"),
      "--hidden",
      "32",
    ]);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toMatch(/--hidden must be 16/);
  });
});
