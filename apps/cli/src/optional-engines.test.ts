import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, runBinary } from "./test/harness";

// A process in which no @tensorflow/* package resolves, as for a user who never installed TF.js.
const withoutTfjs: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${pathToFileURL(fixture("hide-tfjs/register.mjs")).href}`,
};

describe("charrnn train without TF.js installed", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-no-tfjs-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, "the cat sat on the mat. the dog sat on the log. ".repeat(40));
  const tiny = [
    "--data",
    corpus,
    "--layers",
    "1",
    "--hidden",
    "8",
    "--embed",
    "4",
    "--seq",
    "8",
    "--batch",
    "4",
  ];
  const short = ["--max-steps", "3", "--val-every", "0", "--sample-every", "0", "--seed", "1"];

  it("--engine auto trains with ort, and never needs TF.js", () => {
    const out = join(dir, "auto");
    const run = runBinary(["train", ...tiny, ...short, "--engine", "auto", "--out", out], {
      env: withoutTfjs,
    });
    expect(run.stderr).toMatch(/engine ort/);
    expect(run.code).toBe(0);
  });

  it("--engine auto without onnxruntime-node either trains with the reference engine", () => {
    const out = join(dir, "reference");
    const run = runBinary(["train", ...tiny, ...short, "--engine", "auto", "--out", out], {
      env: { ...withoutTfjs, CHARRNN_TEST_HIDE: "onnxruntime-node" },
    });
    expect(run.stderr).toContain(
      "neither onnxruntime-node nor TF.js is installed; training with the (slow) reference engine",
    );
    expect(run.stderr).toMatch(/engine reference/);
    expect(run.code).toBe(0);
  });

  it("--engine tfjs fails in one line with the install command", () => {
    const run = runBinary(["train", ...tiny, ...short, "--engine", "tfjs", "--out", join(dir, "tfjs")], {
      env: withoutTfjs,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "the tfjs engine needs TF.js, which is not installed: npm install @tensorflow/tfjs-core @tensorflow/tfjs-backend-cpu @tensorflow/tfjs-backend-wasm, or train with --engine ort",
    );
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("charrnn parity without TF.js installed", () => {
  const parity = ["parity", "--torch-fixture", fixture("torch/torch_parity.json"), "--json"];

  it("checks ort and reference, and says why tfjs was skipped", () => {
    const run = runBinary(parity, { env: withoutTfjs, timeout: 120_000 });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      "charrnn parity: skipped tfjs: the tfjs engine needs TF.js, which is not installed: npm install @tensorflow/tfjs-core",
    );
    const { rows, skipped } = JSON.parse(run.stdout);
    expect(rows.map((r: { cell: string; engine: string }) => `${r.cell}/${r.engine}`).sort()).toEqual([
      "gru/ort",
      "gru/reference",
      "lstm/ort",
      "lstm/reference",
      "rnn/ort",
      "rnn/reference",
    ]);
    expect(rows.every((r: { pass: boolean }) => r.pass)).toBe(true);
    expect(Object.keys(skipped)).toEqual(["tfjs"]);
  });

  it("fails when --backend asks for the tfjs engine", () => {
    const run = runBinary([...parity, "--backend", "cpu"], { env: withoutTfjs, timeout: 120_000 });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("the tfjs engine needs TF.js, which is not installed");
  });
});
