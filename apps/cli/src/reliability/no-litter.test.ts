import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, runBinary } from "../test/harness";
import { TINY_MODEL } from "./spawn-cli";

const root = mkdtempSync(join(tmpdir(), "charrnn-litter-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every file under `dir`, relative to the scratch root. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

describe("the CLI writes only where it is told to", () => {
  it("train (ort engine), export, then sample and eval on onnxruntime-node, under a fresh HOME and TMPDIR", () => {
    for (const dir of ["home", "tmp", "cwd", "in", "exported"]) mkdirSync(join(root, dir));
    const corpus = join(root, "in", "corpus.txt");
    writeFileSync(corpus, readFileSync(fixture("tinyshakespeare.txt"), "utf8").slice(0, 3000));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: join(root, "home"),
      TMPDIR: join(root, "tmp"),
      // tsx, which runs the CLI's TypeScript in tests, would otherwise cache its transforms in TMPDIR.
      TSX_DISABLE_CACHE: "1",
    };
    // What a user who never heard of the variable has: charrnn's loader must set it.
    delete env.ORT_DISABLE_TELEMETRY;
    // onnxruntime's telemetry stays silent when CI is set, which would hide the litter on CI machines.
    delete env.CI;
    const run = join(root, "run");
    const onnx = join(root, "exported", "model.onnx");
    const commands = [
      ["train", "--data", corpus, "--out", run, ...TINY_MODEL, "--engine", "ort", "--max-steps", "3"],
      ["export", "--model", run, "--onnx", onnx],
      ["sample", "--model", onnx, "--engine", "onnx", "--length", "20"],
      ["eval", "--model", onnx, "--engine", "onnx", "--data", corpus],
    ];
    for (const args of commands) {
      const result = runBinary(args, { cwd: join(root, "cwd"), env, timeout: 120_000 });
      expect(result.code, `${args[0]}: ${result.stderr}`).toBe(0);
    }
    const outside = filesUnder(root).filter((file) => !/^(run|in|exported)\//.test(file));
    expect(outside).toEqual([]);
    expect(filesUnder(join(root, "exported"))).toEqual(["exported/model.onnx"]);
    expect(filesUnder(join(root, "in"))).toEqual(["in/corpus.txt"]);
    expect(filesUnder(join(root, "run")).filter((file) => /\.tmp$|mat-debug|\.ses$/.test(file))).toEqual([]);
  });
});
