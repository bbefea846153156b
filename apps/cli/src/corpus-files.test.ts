import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, runInProcess } from "./test/harness";

const shakespeare = readFileSync(fixture("tinyshakespeare.txt"), "utf8");

describe("train --data DIR --data GLOB --split per-file", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-corpora-"));
  mkdirSync(join(dir, "plays", "act2"), { recursive: true });
  mkdirSync(join(dir, "more"));
  // Three sources of 1000, 600 and 400 characters, one of them nested, and files that must not count.
  writeFileSync(join(dir, "plays", "a.txt"), shakespeare.slice(0, 1000));
  writeFileSync(join(dir, "plays", "act2", "b.txt"), shakespeare.slice(1000, 1600));
  writeFileSync(join(dir, "plays", "README.md"), "ignored: not *.txt");
  writeFileSync(join(dir, "more", "c.txt"), shakespeare.slice(1600, 2000));
  writeFileSync(join(dir, "more", "c.bak"), "ignored by the glob");
  const tiny = ["--engine", "reference", "--cell", "gru", "--layers", "1", "--hidden", "8", "--embed", "4"];
  const window = ["--seq", "8", "--batch", "2", "--max-steps", "2", "--seed", "1"];

  it("takes every .txt under the directory and the glob's files; validation is the last 10% of each file", async () => {
    const out = join(dir, "run");
    const r = await runInProcess([
      "train",
      "--data",
      join(dir, "plays"),
      "--data",
      join(dir, "more", "*.txt"),
      "--split",
      "per-file",
      "--val-fraction",
      "0.1",
      "--out",
      out,
      ...tiny,
      ...window,
    ]);
    expect(r.code, r.stderr).toBe(0);
    // Per file: floor(0.9 n) train, the rest val; files joined by one newline (in both splits).
    const train = 900 + 540 + 360 + 2;
    const val = 100 + 60 + 40 + 2;
    expect(r.stderr).toMatch(new RegExp(`${train.toLocaleString("en-US")} train / ${val} val tokens`));
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    expect(config.settings.split).toBe("per-file");
    // The default end split takes the last 10% of the joined corpus instead: only c.txt's end.
    const end = await runInProcess([
      "train",
      "--data",
      join(dir, "plays"),
      "--data",
      join(dir, "more", "*.txt"),
      "--out",
      join(dir, "run-end"),
      ...tiny,
      ...window,
      "--val-fraction",
      "0.1",
    ]);
    expect(end.code).toBe(0);
    expect(end.stderr).toMatch(/1,801 train \/ 201 val tokens/);
  });

  it("--data-glob and --doc-separator; --valid takes a glob; a spec that matches nothing is named", async () => {
    const out = join(dir, "run-glob");
    const r = await runInProcess([
      "train",
      "--data",
      dir,
      "--data-glob",
      "**/{a,b}.txt",
      "--doc-separator",
      "\\n\\n",
      "--valid",
      join(dir, "more", "*.txt"),
      "--out",
      out,
      ...tiny,
      ...window,
    ]);
    expect(r.code, r.stderr).toBe(0);
    // a.txt and act2/b.txt joined by the two-newline separator; c.txt validates.
    expect(r.stderr).toMatch(/1,602 train \/ 400 val tokens/);
    const none = await runInProcess([
      "train",
      "--data",
      join(dir, "*.csv"),
      "--out",
      join(dir, "x"),
      ...tiny,
    ]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/corpus .*\*\.csv matches no file/);
    const bad = await runInProcess([
      "train",
      "--data",
      dir,
      "--split",
      "middle",
      "--out",
      join(dir, "x"),
      ...tiny,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--split must be one of end, per-file, chunks/);
  });
});

describe("train --split chunks (char-rnn's split)", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-chunks-"));
  const corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, shakespeare.slice(0, 1000));
  const tiny = ["--engine", "reference", "--layers", "1", "--hidden", "8", "--embed", "4", "--seq", "8"];
  const run = (out: string, ...flags: string[]) =>
    runInProcess([
      "train",
      "--data",
      corpus,
      "--out",
      join(dir, out),
      ...tiny,
      "--batch",
      "2",
      "--max-steps",
      "1",
      ...flags,
    ]);

  it("holds out the end of each piece and records the split for resume", async () => {
    // 1000 tokens in 3 pieces (333, 333, 334): 34 + 34 + 34 held out, where the end split holds 100.
    const r = await run("chunks", "--split", "chunks", "--split-chunks", "3", "--val-fraction", "0.1");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/898 train \/ 102 val tokens/);
    const settings = JSON.parse(readFileSync(join(dir, "chunks", "config.json"), "utf8")).settings;
    expect(settings).toMatchObject({ split: "chunks", splitChunks: 3 });
    const resumed = await runInProcess([
      "train",
      "--data",
      corpus,
      "--resume",
      join(dir, "chunks"),
      "--split",
      "chunks",
      "--split-chunks",
      "5",
    ]);
    expect(resumed.code).not.toBe(0);
    expect(resumed.stderr).toMatch(/splitChunks|--split-chunks/);
  });

  it("refuses --split-chunks without --split chunks, and more pieces than the corpus fills", async () => {
    const alone = await run("alone", "--split-chunks", "3");
    expect(alone.code).toBe(2);
    expect(alone.stderr.trim()).toMatch(
      /^charrnn: --split-chunks must be unset unless split is "chunks", got 3$/,
    );
    const many = await run("many", "--split", "chunks", "--split-chunks", "600");
    expect(many.code).not.toBe(0);
    expect(many.stderr.trim().split("\n")).toHaveLength(1);
    expect(many.stderr).toMatch(/--split-chunks must be at most 500 for a corpus of 1000 tokens/);
  });
});
