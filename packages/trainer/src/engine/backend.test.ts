import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { selectBackend } from "./backend";

const noNative = async (specifier: string): Promise<unknown> => {
  throw new Error(`Cannot find package '${specifier}'`);
};

describe("selectBackend", () => {
  it("auto picks a backend that loads and makes it active", async () => {
    const lines: string[] = [];
    const chosen = await selectBackend({ log: (line) => lines.push(line) });
    expect(["tensorflow", "wasm", "cpu"]).toContain(chosen.name);
    expect(tf.getBackend()).toBe(chosen.name);
    expect(chosen.description).toMatch(chosen.name);
  });

  it("auto without native bindings measures wasm against cpu and reports both", async () => {
    const lines: string[] = [];
    const chosen = await selectBackend({ load: noNative, log: (line) => lines.push(line) });
    expect(["wasm", "cpu"]).toContain(chosen.name);
    expect(lines.some((line) => /wasm .* ms, cpu .* ms/.test(line))).toBe(true);
    expect(lines.some((line) => line.includes("@tensorflow/tfjs-node"))).toBe(true);
  });

  it("a forced backend is used", async () => {
    expect((await selectBackend({ backend: "cpu" })).name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect((await selectBackend({ backend: "wasm" })).name).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    await selectBackend({ backend: "cpu" });
  });

  it("an unknown name is a range error listing the choices", async () => {
    const error = await selectBackend({ backend: "webgpu2" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CharrnnRangeError);
    expect((error as Error).message).toBe(
      'backend must be one of auto, tensorflow, wasm, cpu, got "webgpu2"',
    );
  });

  it("forcing tensorflow without tfjs-node says how to install it", async () => {
    const error = await selectBackend({ backend: "tensorflow", load: noNative }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CharrnnError);
    expect((error as CharrnnError).code).toBe("BACKEND_UNAVAILABLE");
    expect((error as Error).message).toContain("npm install @tensorflow/tfjs-node");
  });
});
