import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../test/harness";

describe("charrnn classify", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-classify-"));
  const csv = join(dir, "words.csv");
  const out = join(dir, "run");
  let trainOutput = "";

  beforeAll(async () => {
    // Two easy labels told apart by their letters, one a quarter the size of the other; quoted fields.
    const rows = ["text,label"];
    for (let i = 0; i < 60; i++) rows.push(`${"ab".repeat(1 + (i % 4))},"vowel-ish"`);
    for (let i = 0; i < 20; i++) rows.push(`${"xyz".slice(0, 1 + (i % 3)).repeat(2)},consonant`);
    writeFileSync(csv, `${rows.join("\n")}\n`);
    const result = await runInProcess([
      "classify",
      "train",
      "--data",
      csv,
      "--out",
      out,
      "--engine",
      "ort",
      "--hidden",
      "8",
      "--embed",
      "4",
      "--epochs",
      "8",
      "--batch",
      "8",
      "--lr",
      "0.03",
      "--class-weights",
      "balanced",
      "--val-fraction",
      "0.25",
    ]);
    expect(result.stderr).toMatch(/2 labels, 60 training and 20 validation examples/);
    expect(result.code).toBe(0);
    trainOutput = result.stdout;
  }, 60_000);

  it("train reports accuracy, per-label precision/recall and the confusion matrix, and writes the model and SVG", () => {
    expect(trainOutput).toMatch(/accuracy 100\.0% \(majority baseline 75\.0%: always "vowel-ish"\)/);
    expect(trainOutput).toMatch(/consonant\s+100\.0%\s+100\.0%\s+5/);
    expect(trainOutput).toMatch(/confusion \(rows: true, columns: predicted\)/);
    expect(existsSync(join(out, "model.safetensors"))).toBe(true);
    const svg = readFileSync(join(out, "confusion.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg).toContain(">predicted label →<");
    expect(svg).toContain(">true label →<");
    // the diagonal counts: 5 consonants, 15 vowel-ish
    expect(svg).toMatch(/>5<\/text>/);
    expect(svg).toMatch(/>15<\/text>/);
  });

  it("predict prints the top labels with probabilities, most probable first", async () => {
    const result = await runInProcess(["classify", "predict", "--model", out, "--top", "2", "abab", "zzxx"]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^abab\s+vowel-ish [01]\.\d{3}\s+consonant [01]\.\d{3}$/);
    expect(lines[1]).toMatch(/^zzxx\s+consonant [01]\.\d{3}\s+vowel-ish [01]\.\d{3}$/);
    for (const line of lines) {
      const [p1, p2] = [...line.matchAll(/ ([01]\.\d{3})/g)].map((m) => Number(m[1]));
      expect(p1!).toBeGreaterThanOrEqual(p2!);
      expect(p1! + p2!).toBeCloseTo(1, 2);
    }
  });

  it("export writes an ONNX classifier", async () => {
    const onnx = join(dir, "cls.onnx");
    const result = await runInProcess(["export", "--model", out, "--onnx", onnx]);
    expect(result.code).toBe(0);
    expect(existsSync(onnx)).toBe(true);
  });

  it("--out that is a file (or under one) fails at once, before the data is read, exit 1", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    for (const target of [file, join(file, "sub")]) {
      const bad = await runInProcess(["classify", "train", "--data", join(dir, "missing"), "--out", target]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe(
        `charrnn: cannot use ${target} as the output directory: it is, or lies under, a regular file; choose a writable directory\n`,
      );
    }
  });

  it("--resume continues the run from its checkpoint (more epochs) and keeps its settings", async () => {
    const more = await runInProcess([
      "classify",
      "train",
      "--data",
      csv,
      "--resume",
      out,
      "--epochs",
      "9",
      "--engine",
      "ort",
    ]);
    expect(more.code, more.stderr).toBe(0);
    expect(more.stderr).toMatch(/resuming from \S+ at step 64/);
    expect(more.stdout).toMatch(/^trained 72 steps \(9 epochs\)/);
    const changed = await runInProcess([
      "classify",
      "train",
      "--data",
      csv,
      "--resume",
      out,
      "--pooling",
      "mean",
    ]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/cannot resume .* with pooling "mean": the run was trained with "last"/);
  });

  it("refuses a bad --pooling", async () => {
    const bad = await runInProcess([
      "classify",
      "train",
      "--data",
      csv,
      "--out",
      join(dir, "x"),
      "--pooling",
      "max",
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--pooling must be one of last, mean/);
  });
});
