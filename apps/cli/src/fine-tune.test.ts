import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
