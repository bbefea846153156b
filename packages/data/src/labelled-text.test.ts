import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadLabelledText, parseCsv } from "./labelled-text";

const namesDir = new URL("../../../test-fixtures/names/", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "charrnn-labels-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe("loadLabelledText", () => {
  it("loads one file per label from the names data set", async () => {
    const data = await loadLabelledText(namesDir);
    const files = readdirSync(namesDir).filter((f) => f.endsWith(".txt"));
    expect(data.labels.length).toBe(18);
    expect(data.labels[0]).toBe("Arabic");
    expect(data.labels[17]).toBe("Vietnamese");
    const french = data.labels.indexOf("French");
    const frenchLines = readFileSync(join(namesDir, "French.txt"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
    expect(data.examples.filter((e) => e.label === french).map((e) => e.text)).toEqual(frenchLines);
    let total = 0;
    for (const f of files) {
      total += readFileSync(join(namesDir, f), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "").length;
    }
    expect(data.examples.length).toBe(total);
  });

  it("loads CSV with a header, quotes, commas and newlines inside quotes", async () => {
    const path = file("data.csv", 'text,label\n"hello, world",pos\nbad day,neg\r\n"say ""hi""\nthere",pos\n');
    const data = await loadLabelledText(path);
    expect(data.labels).toEqual(["neg", "pos"]);
    expect(data.examples).toEqual([
      { text: "hello, world", label: 1 },
      { text: "bad day", label: 0 },
      { text: 'say "hi"\nthere', label: 1 },
    ]);
  });

  it("loads TSV and names the line of a malformed row", async () => {
    const data = await loadLabelledText(file("data.tsv", "a, b\tx\nc\ty\n"));
    expect(data.examples).toEqual([
      { text: "a, b", label: 0 },
      { text: "c", label: 1 },
    ]);
    await expect(loadLabelledText(file("bad.csv", "a,x\nb,c,y\n"))).rejects.toThrow(
      /bad\.csv:2: expected 2 fields \(text,label\), got 3/,
    );
    await expect(loadLabelledText(file("data.json", "{}"))).rejects.toThrow(/\.csv or a \.tsv/);
    await expect(loadLabelledText(join(dir, "missing"))).rejects.toThrow(/not found/);
  });

  it("parses CSV records with their starting lines", () => {
    expect(parseCsv('a,"b\nc"\nd,e')).toEqual([
      { fields: ["a", "b\nc"], line: 1 },
      { fields: ["d", "e"], line: 3 },
    ]);
  });
});
