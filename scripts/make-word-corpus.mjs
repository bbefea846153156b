// Builds test-fixtures/words/{train,valid,test}.txt, a small PTB-style word corpus (pre-split,
// lowercase, punctuation dropped, one line per source line) cut from tiny Shakespeare, for the
// word-level training tests and the README example. Deterministic: rerun to reproduce the files.
//   node scripts/make-word-corpus.mjs
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

const SPLITS = [
  ["train", 80_000],
  ["valid", 10_000],
  ["test", 10_000],
];

const source = readFileSync(new URL("../test-fixtures/tinyshakespeare.txt", import.meta.url), "utf8");
const outDir = new URL("../test-fixtures/words/", import.meta.url);
mkdirSync(outDir, { recursive: true });

// PTB style: lowercase words, apostrophes kept inside words ("o'er", "'tis"), blank lines dropped.
const lines = [];
for (const line of source.split("\n")) {
  const words = line.toLowerCase().match(/[a-z]+(?:'[a-z]+)*/g);
  if (words !== null) lines.push(words);
}

let next = 0;
for (const [name, target] of SPLITS) {
  const out = [];
  let words = 0;
  while (words < target && next < lines.length) {
    const line = lines[next++];
    out.push(line.join(" "));
    words += line.length;
  }
  writeFileSync(new URL(`${name}.txt`, outDir), `${out.join("\n")}\n`);
  console.log(`${name}.txt: ${out.length} lines, ${words} words`);
}
