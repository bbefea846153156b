import { describe, expect, it } from "vitest";
import { runInProcess } from "./test/harness";

describe("the two --engine lists", () => {
  it("train refuses an inference engine, saying which commands take it and its own onnxruntime name", async () => {
    const run = await runInProcess(["train", "--data", "x.txt", "--out", "unused", "--engine", "onnx"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'charrnn: --engine must be one of auto, ort, tfjs, reference, torch, got "onnx" (onnx is an inference engine, for sample, score and eval; here onnxruntime-node is --engine ort)\n',
    );
    const wasm = await runInProcess([
      "classify",
      "train",
      "--data",
      "x",
      "--out",
      "unused",
      "--engine",
      "wasm",
    ]);
    expect(wasm.code).toBe(2);
    expect(wasm.stderr).toMatch(/got "wasm" \(wasm is an inference engine, for sample, score and eval\)\n$/);
  });

  it("sample, score and eval refuse a training engine the same way", async () => {
    for (const command of [
      ["sample", "--model", "none"],
      ["score", "--model", "none", "--text", "a"],
      ["eval", "--model", "none", "--data", "x.txt"],
    ]) {
      const run = await runInProcess([...command, "--engine", "ort"]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'charrnn: --engine must be one of wasm, ts, onnx, got "ort" (ort is a training engine, for train; here onnxruntime-node is --engine onnx)\n',
      );
    }
    const torch = await runInProcess(["sample", "--model", "none", "--engine", "torch"]);
    expect(torch.stderr).toMatch(/got "torch" \(torch is a training engine, for train\)\n$/);
  });

  it("train's auto, or a name in neither list, gets the plain message", async () => {
    const run = await runInProcess(["sample", "--model", "none", "--engine", "auto"]);
    expect(run.stderr).toBe('charrnn: --engine must be one of wasm, ts, onnx, got "auto"\n');
    const gpu = await runInProcess(["train", "--data", "x.txt", "--out", "unused", "--engine", "gpu"]);
    expect(gpu.stderr).toBe(
      'charrnn: --engine must be one of auto, ort, tfjs, reference, torch, got "gpu"\n',
    );
  });
});
