import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const srcDir = new URL("./", import.meta.url);
const sources = readdirSync(srcDir).filter(
  (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "test-helpers.ts",
);

describe("package boundaries", () => {
  it("ships code with no node: imports and no TF.js or onnxruntime, so it runs in browsers", () => {
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) {
      const text = readFileSync(new URL(file, srcDir), "utf8");
      const imports = [...text.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]!);
      for (const spec of imports) {
        expect(
          spec.startsWith("./") ||
            spec === "@charrnn/core" ||
            spec === "@charrnn/models" ||
            spec === "@charrnn/vocab",
          `${file}: ${spec}`,
        ).toBe(true);
      }
    }
    const pkg = JSON.parse(readFileSync(new URL("../package.json", srcDir), "utf8")) as Record<
      string,
      unknown
    >;
    const deps = Object.keys({ ...(pkg.dependencies as object), ...(pkg.peerDependencies as object) });
    expect(deps.filter((d) => d.startsWith("@tensorflow/") || d.startsWith("onnxruntime"))).toEqual([]);
  });
});
