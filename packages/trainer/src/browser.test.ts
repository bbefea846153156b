import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { walkImports } from "../../../test-fixtures/import-graph";

const srcDir = dirname(fileURLToPath(import.meta.url));
const walk = (entry: string) => walkImports(entry, srcDir);

describe("@charrnn/trainer/browser", () => {
  it("reaches no node:*, onnxruntime-node or TF.js import, through this package and its dependencies", () => {
    const { reached, nodeOnly } = walk(join(srcDir, "browser.ts"));
    expect(nodeOnly).toEqual([]);
    // The walk really went through the engine and into @charrnn/models' BPTT.
    expect(reached).toContain("engine/reference-engine.ts");
    expect(reached).toContain("optim/optimizer.ts");
    // …and through the ORT engine's graph builder, which runs on an injected onnxruntime-web.
    expect(reached).toContain("engine/ort/ort-runtime-engine.ts");
    expect(reached).toContain("engine/ort/train-graph.ts");
    expect(reached.some((f) => f.endsWith("models/src/reference/loss-and-grads.ts"))).toBe(true);
  });

  it("the same walk flags the full entry and the tfjs entry, which need Node", () => {
    expect(walk(join(srcDir, "index.ts")).nodeOnly.some((s) => s.endsWith(": node:fs"))).toBe(true);
    expect(walk(join(srcDir, "tfjs.ts")).nodeOnly.some((s) => s.includes("@tensorflow/"))).toBe(true);
  });

  it("is a package export with source, types and dist entries, built by tsup", () => {
    const pkg = JSON.parse(readFileSync(join(srcDir, "../package.json"), "utf8")) as {
      exports: Record<string, Record<string, string>>;
    };
    expect(pkg.exports["./browser"]).toEqual({
      "@charrnn/source": "./src/browser.ts",
      types: "./dist/browser.d.ts",
      default: "./dist/browser.js",
    });
    expect(readFileSync(join(srcDir, "../tsup.config.ts"), "utf8")).toContain('"src/browser.ts"');
  });
});
