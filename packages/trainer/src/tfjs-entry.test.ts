import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { walkImports } from "../../../test-fixtures/import-graph";
import { importTfjs } from "./index";

const srcDir = dirname(fileURLToPath(import.meta.url));
const mainEntry = join(srcDir, "index.ts");
const hideTfjs = fileURLToPath(new URL("../../../test-fixtures/hide-tfjs/register.mjs", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "charrnn-no-tfjs-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("@charrnn/trainer without TF.js", () => {
  it("loading the main entry loads no TF.js, onnxruntime or the @charrnn/onnx main entry; only importTfjs reaches TF.js", () => {
    const loaded = walkImports(mainEntry, srcDir, { dynamic: false });
    expect(loaded.external.filter((s) => /: (@tensorflow\/|onnxruntime-)/.test(s))).toEqual([]);
    expect(loaded.reached).toContain("engine/ort/train-graph.ts");
    // Graph building comes from @charrnn/onnx/graph, not the entry that brings the ORT step model.
    expect(loaded.reached.some((f) => f.endsWith("onnx/src/graph.ts"))).toBe(true);
    expect(loaded.reached.some((f) => f.endsWith("onnx/src/index.ts"))).toBe(false);
    // The same walk, following import() too, finds TF.js behind the tfjs entry (so it can see it).
    const onDemand = walkImports(mainEntry, srcDir);
    expect(onDemand.reached).toContain("tfjs.ts");
    expect(onDemand.external).toContain("engine/tfjs-engine.ts: @tensorflow/tfjs-core");
  });

  it("importTfjs loads the tfjs entry when TF.js is installed", async () => {
    const tfjs = await importTfjs();
    expect(typeof tfjs.createTfjsEngine).toBe("function");
    expect(typeof tfjs.selectBackend).toBe("function");
  });

  it("is a package export with source, types and dist entries, built by tsup, TF.js an optional peer", () => {
    const pkg = JSON.parse(readFileSync(join(srcDir, "../package.json"), "utf8")) as {
      exports: Record<string, Record<string, string>>;
      dependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(pkg.exports["./tfjs"]).toEqual({
      "@charrnn/source": "./src/tfjs.ts",
      types: "./dist/tfjs.d.ts",
      default: "./dist/tfjs.js",
    });
    expect(readFileSync(join(srcDir, "../tsup.config.ts"), "utf8")).toContain('"src/tfjs.ts"');
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith("@tensorflow/"))).toEqual([]);
    for (const name of [
      "@tensorflow/tfjs-core",
      "@tensorflow/tfjs-backend-cpu",
      "@tensorflow/tfjs-backend-wasm",
    ]) {
      expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
    }
  });

  /** Runs `script` (ESM) in a fresh Node process in which no `@tensorflow/*` package resolves. */
  function runWithoutTfjs(script: string): { status: number | null; stdout: string; stderr: string } {
    const run = spawnSync(
      process.execPath,
      [
        "--conditions=@charrnn/source",
        "--import",
        "tsx",
        "--import",
        hideTfjs,
        "--input-type=module",
        "-e",
        script,
      ],
      { cwd: srcDir, encoding: "utf8", timeout: 120_000, env: { ...process.env, TSX_DISABLE_CACHE: "1" } },
    );
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  it("trains with the ort engine in a process where TF.js cannot be resolved", () => {
    const out = mkdtempSync(join(scratch, "ort-"));
    const corpus = fileURLToPath(new URL("../../../test-fixtures/tinyshakespeare.txt", import.meta.url));
    const run = runWithoutTfjs(`
      import { readFileSync } from "node:fs";
      const { createOrtEngine, train } = await import(${JSON.stringify(pathToFileURL(mainEntry).href)});
      const losses = [];
      const result = await train({
        corpus: { text: readFileSync(${JSON.stringify(corpus)}, "utf8").slice(0, 3000) },
        outDir: ${JSON.stringify(out)},
        createEngine: (o) => createOrtEngine({ ...o, threads: 1 }),
        cell: "gru", layers: 1, hidden: 16, embed: 8, seq: 16, batch: 4,
        optimizer: { kind: "adam" }, lr: 0.01, maxSteps: 6, logEvery: 1,
        valEvery: 3, valSteps: 4, checkpointEvery: 3, sampleEvery: 0, seed: 3,
        onEvent: (e) => { if (e.type === "progress") losses.push(e.loss); },
      });
      process.stdout.write(JSON.stringify({ step: result.step, stopReason: result.stopReason, losses }));`);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { step: number; stopReason: string; losses: number[] };
    expect(result).toMatchObject({ step: 6, stopReason: "max-steps" });
    expect(result.losses).toHaveLength(6);
    expect(result.losses.every(Number.isFinite)).toBe(true);
  });

  it("in the same process, importTfjs fails with TFJS_NOT_INSTALLED and the install command", () => {
    const run = runWithoutTfjs(`
      const { importTfjs } = await import(${JSON.stringify(pathToFileURL(mainEntry).href)});
      try {
        await importTfjs({ alternative: "or use the ort engine" });
        process.stdout.write("loaded");
      } catch (error) {
        process.stdout.write(JSON.stringify({ code: error.code, message: error.message }));
      }`);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      code: "TFJS_NOT_INSTALLED",
      message:
        "the tfjs engine needs TF.js, which is not installed: npm install @tensorflow/tfjs-core @tensorflow/tfjs-backend-cpu @tensorflow/tfjs-backend-wasm, or use the ort engine",
    });
  });
});
