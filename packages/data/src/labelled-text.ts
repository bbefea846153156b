import { readdir, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { CharrnnError } from "@charrnn/core";
import { compareCodePoints } from "@charrnn/vocab";
import { readCorpus } from "./read-corpus";

/** A labelled text example; `label` indexes `LabelledText.labels`. */
export interface TextExample {
  text: string;
  label: number;
}

/** A labelled text data set. */
export interface LabelledText {
  /** Label names in code-point order; a label's id is its index. */
  labels: string[];
  examples: TextExample[];
}

/**
 * Loads labelled text from either
 * - a directory of `*.txt` files, one per label (label = file name without `.txt`), one example per
 *   line (e.g. `names/French.txt`), or
 * - a `.csv` / `.tsv` file of `text,label` rows (CSV fields may be double-quoted; a first row
 *   `text,label` is a header and skipped).
 *
 * Lines are trimmed and blank lines skipped. Label ids follow the code-point order of label names,
 * so the same data gives the same ids everywhere.
 */
export async function loadLabelledText(path: string): Promise<LabelledText> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    throw new CharrnnError("CORPUS_NOT_FOUND", `labelled data ${path} not found; check the path`, {
      cause: error,
    });
  }
  const rows = isDirectory ? await readLabelDirectory(path) : await readDelimited(path);
  const labels = [...new Set(rows.map((row) => row[1]))].sort(compareCodePoints);
  const ids = new Map(labels.map((label, i) => [label, i]));
  return { labels, examples: rows.map(([text, label]) => ({ text, label: ids.get(label)! })) };
}

async function readLabelDirectory(dir: string): Promise<[string, string][]> {
  const files = (await readdir(dir)).filter((name) => extname(name) === ".txt").sort(compareCodePoints);
  if (files.length === 0) {
    throw new CharrnnError(
      "LABELS_EMPTY",
      `no .txt files in ${dir}; put one file per label there (label.txt, one example per line)`,
    );
  }
  const rows: [string, string][] = [];
  for (const file of files) {
    const label = basename(file, ".txt");
    for (const line of (await readCorpus(join(dir, file))).split("\n")) {
      const text = line.trim();
      if (text.length > 0) rows.push([text, label]);
    }
  }
  return rows;
}

async function readDelimited(path: string): Promise<[string, string][]> {
  const ext = extname(path).toLowerCase();
  if (ext !== ".csv" && ext !== ".tsv") {
    throw new CharrnnError(
      "LABELS_FORMAT",
      `labelled data ${path} must be a directory of label.txt files, a .csv or a .tsv file`,
    );
  }
  const records = ext === ".tsv" ? parseTsv(await readCorpus(path)) : parseCsv(await readCorpus(path));
  const rows: [string, string][] = [];
  records.forEach(({ fields, line }, i) => {
    if (fields.length === 1 && fields[0]!.trim() === "") return;
    if (fields.length !== 2) {
      throw new CharrnnError(
        "LABELS_INVALID",
        `${path}:${line}: expected 2 fields (text,label), got ${fields.length}; quote fields that hold the separator`,
      );
    }
    const text = fields[0]!.trim();
    const label = fields[1]!.trim();
    if (i === 0 && text.toLowerCase() === "text" && label.toLowerCase() === "label") return;
    if (label === "") throw new CharrnnError("LABELS_INVALID", `${path}:${line}: the label is empty`);
    if (text.length > 0) rows.push([text, label]);
  });
  if (rows.length === 0) throw new CharrnnError("LABELS_EMPTY", `${path} holds no examples`);
  return rows;
}

/** A record of a delimited file and the line it starts on (1-based). */
interface DelimitedRecord {
  fields: string[];
  line: number;
}

function parseTsv(text: string): DelimitedRecord[] {
  return text.split("\n").map((row, i) => ({ fields: row.replace(/\r$/, "").split("\t"), line: i + 1 }));
}

/** RFC 4180 CSV: `"` quotes a field (which may then hold commas and newlines), `""` is a quote. */
export function parseCsv(text: string): DelimitedRecord[] {
  const records: DelimitedRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"' && field.trim() === "") {
      field = "";
      quoted = true;
    } else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n") {
      fields.push(field.replace(/\r$/, ""));
      records.push({ fields, line: recordLine });
      fields = [];
      field = "";
      recordLine = ++line;
    } else field += c;
  }
  if (field !== "" || fields.length > 0) {
    fields.push(field.replace(/\r$/, ""));
    records.push({ fields, line: recordLine });
  }
  return records;
}
