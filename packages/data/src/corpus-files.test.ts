import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { encodeCorpusFiles, globMatcher, resolveCorpusFiles } from "./corpus-files";
import { buildVocabFromFile } from "./encode-corpus";

function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-corpus-"));
  mkdirSync(join(dir, "books", "deep"), { recursive: true });
  mkdirSync(join(dir, "other"));
  writeFileSync(join(dir, "books", "b.txt"), "bbbbbbbbbb");
  writeFileSync(join(dir, "books", "a.txt"), "aaaaaaaaaa");
  writeFileSync(join(dir, "books", "deep", "c.txt"), "cccccccccc");
  writeFileSync(join(dir, "books", "notes.md"), "not a text file");
  writeFileSync(join(dir, "other", "x.txt"), "xxxxx");
  writeFileSync(join(dir, "other", "y.text"), "yyyyy");
  return dir;
}

describe("resolveCorpusFiles", () => {
  it("takes directories recursively (*.txt by default), globs and files, sorted, without duplicates", async () => {
    const dir = tree();
    const files = await resolveCorpusFiles([
      join(dir, "other", "*.t*"),
      join(dir, "books"),
      join(dir, "books", "a.txt"),
    ]);
    expect(files).toEqual(
      ["books/a.txt", "books/b.txt", "books/deep/c.txt", "other/x.txt", "other/y.text"].map((f) =>
        join(dir, f),
      ),
    );
    expect(await resolveCorpusFiles([join(dir, "books")], { glob: "*.md" })).toEqual([
      join(dir, "books", "notes.md"),
    ]);
    expect(await resolveCorpusFiles([join(dir, "**", "c.txt")])).toEqual([
      join(dir, "books", "deep", "c.txt"),
    ]);
  });

  it("refuses a spec that names nothing, naming it", async () => {
    const dir = tree();
    await expect(resolveCorpusFiles([join(dir, "*.csv")], { name: "--data" })).rejects.toThrow(
      /--data .*\*\.csv matches no file/,
    );
    await expect(resolveCorpusFiles([join(dir, "other")], { glob: "*.md" })).rejects.toThrow(
      /directories take the files matching \*\.md/,
    );
  });

  it("globMatcher: *, ?, **, [..], {a,b}", () => {
    const m = globMatcher("**/*.{txt,md}");
    expect(["a.txt", "x/y/b.md", "c.csv", "x/c.txt.bak"].map(m)).toEqual([true, true, false, false]);
    expect(["a1.txt", "ab.txt", "a12.txt"].map(globMatcher("a[0-9].txt"))).toEqual([true, false, false]);
    expect(["ab", "a/b"].map(globMatcher("a?"))).toEqual([true, false]);
  });
});

describe("encodeCorpusFiles", () => {
  it("joins files with the separator; per-file split holds out the end of every file", async () => {
    const dir = tree();
    const files = await resolveCorpusFiles([join(dir, "books")]);
    const vocab = await buildVocabFromFile(files, { extraText: "|".repeat(files.length - 1) });
    const whole = await encodeCorpusFiles(files, vocab, { separator: "|" });
    expect(vocab.decode(whole.train)).toBe("aaaaaaaaaa|bbbbbbbbbb|cccccccccc");
    expect(whole.val.length).toBe(0);
    const split = await encodeCorpusFiles(files, vocab, { separator: "|", val: 0.2 });
    expect(vocab.decode(split.train)).toBe("aaaaaaaa|bbbbbbbb|cccccccc");
    expect(vocab.decode(split.val)).toBe("aa|bb|cc");
  });

  it("a single file without a split is encodeCorpusFile's result", async () => {
    const dir = tree();
    const vocab = Vocab.fromText("x");
    const { train } = await encodeCorpusFiles([join(dir, "other", "x.txt")], vocab);
    expect(vocab.decode(train)).toBe("xxxxx");
  });
});
