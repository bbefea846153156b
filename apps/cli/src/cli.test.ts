import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, runBinary, runInProcess } from "./test/harness";

describe("charrnn (binary)", () => {
  it("prints help and version and exits 0", () => {
    const help = runBinary(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: charrnn/);
    expect(help.stdout).toMatch(/vocab/);
    const version = runBinary(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("answers bad input with one line, a non-zero exit and no stack trace", () => {
    const result = runBinary(["vocab", "--data", "does/not/exist.txt"]);
    expect(result.code).not.toBe(0);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^charrnn: .*does\/not\/exist\.txt/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("shows the stack with --debug", () => {
    const result = runBinary(["vocab", "--data", "does/not/exist.txt", "--debug"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});

describe("charrnn vocab", () => {
  it("prints size, most frequent characters and hash of tiny Shakespeare", async () => {
    const result = await runInProcess(["vocab", "--data", fixture("tinyshakespeare.txt"), "--top", "3"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/vocabulary: 65 characters/);
    expect(result.stdout).toMatch(/hash:\s+sha256:[0-9a-f]{64}/);
    // Space is the most frequent character of the corpus, then 'e'.
    const listed = result.stdout.split("\n").filter((line) => line.startsWith("  "));
    expect(listed).toHaveLength(3);
    expect(listed[0]).toMatch(/^ {2}" " /);
    expect(listed[1]).toMatch(/^ {2}"e" /);
  });

  it("--json prints the stable vocabulary form", async () => {
    const result = await runInProcess(["vocab", "--data", fixture("tinyshakespeare.txt"), "--json"]);
    const json = JSON.parse(result.stdout);
    expect(json.format).toBe("charrnn-vocab");
    expect(json.tokens).toHaveLength(65);
    expect(json.tokens[0]).toBe("\n");
  });

  it("builds word vocabularies with <unk> and <eos>", async () => {
    const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-"));
    const file = join(dir, "words.txt");
    writeFileSync(file, "the cat sat\nthe dog sat\nthe end\n");
    const result = await runInProcess([
      "vocab",
      "--data",
      file,
      "--level",
      "word",
      "--min-count",
      "2",
      "--json",
    ]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.tokens).toEqual(expect.arrayContaining(["<unk>", "<eos>", "the", "sat"]));
    expect(json.tokens).not.toContain("cat");
    const capped = await runInProcess([
      "vocab",
      "--data",
      file,
      "--level",
      "word",
      "--max-vocab",
      "3",
      "--json",
    ]);
    expect(JSON.parse(capped.stdout).tokens).toHaveLength(3);
  });

  it("learns a bpe vocabulary with its merges", async () => {
    const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-"));
    const file = join(dir, "text.txt");
    writeFileSync(file, "the cat sat\nthe dog sat\nthe end 😀\n");
    const args = ["vocab", "--data", file, "--level", "bpe", "--vocab-size", "260"];
    const json = JSON.parse((await runInProcess([...args, "--json"])).stdout);
    expect(json).toMatchObject({ level: "bpe", merges: expect.any(Array) });
    // The flag's name before the vocab command took train's flags still works, unlisted.
    const old = ["vocab", "--data", file, "--level", "bpe", "--max-size", "260", "--json"];
    expect(JSON.parse((await runInProcess(old)).stdout).hash).toBe(json.hash);
    expect(json.tokens).toHaveLength(260);
    expect(json.tokens).toContain("the");
    const text = await runInProcess(args);
    expect(text.stdout).toContain("vocabulary: 260 tokens (256 bytes + merges)");
    expect(text.stdout).toContain(`hash:       ${json.hash}`);
  });

  it("rejects out-of-range and unknown flag values naming the flag", async () => {
    const bad = await runInProcess(["vocab", "--data", fixture("tinyshakespeare.txt"), "--level", "byte"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--level must be one of char, word, bpe, got "byte"/);
    const neg = await runInProcess(["vocab", "--data", fixture("tinyshakespeare.txt"), "--top", "-1"]);
    expect(neg.code).toBe(2);
    expect(neg.stderr).toMatch(/--top must be ≥ 0, got -1/);
    // Sizes take train's flags; the vocabulary builder's own range errors name them too.
    const corpus = ["vocab", "--data", fixture("tinyshakespeare.txt")];
    const huge = await runInProcess([...corpus, "--level", "bpe", "--vocab-size", String(2 ** 21)]);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/^charrnn: --vocab-size must be an integer in \[256, \d+\] for a bpe vocab/);
    const small = await runInProcess([...corpus, "--level", "bpe", "--max-size", "100"]);
    expect(small.stderr).toMatch(/^charrnn: --max-size must be an integer in \[256, \d+\]/);
    const wordSize = await runInProcess([...corpus, "--level", "word", "--vocab-size", "300"]);
    expect(wordSize.stderr).toMatch(/--vocab-size sets a bpe vocabulary: add --level bpe/);
    const missing = await runInProcess(["vocab"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--data/);
  });

  it("refuses an empty corpus with a one-line error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-"));
    const file = join(dir, "empty.txt");
    writeFileSync(file, "");
    const result = await runInProcess(["vocab", "--data", file]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/empty/i);
  });
});
