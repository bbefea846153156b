import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { walkImports } from "../../../test-fixtures/import-graph";

const srcDir = dirname(fileURLToPath(import.meta.url));

describe("the training worker's bundle", () => {
  it("reaches no node:*, onnxruntime-node or TF.js import, though it trains on the ORT engine's graphs", () => {
    const { reached, nodeOnly } = walkImports(join(srcDir, "train-worker.ts"), srcDir);
    expect(nodeOnly).toEqual([]);
    // The walk really went through both engines the worker can pick.
    expect(reached.some((f) => f.endsWith("trainer/src/engine/ort/ort-runtime-engine.ts"))).toBe(true);
    expect(reached.some((f) => f.endsWith("trainer/src/engine/reference-engine.ts"))).toBe(true);
  });
});
