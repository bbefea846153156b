import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { walkImports } from "../../../test-fixtures/import-graph";

const srcDir = dirname(fileURLToPath(import.meta.url));
const walk = (entry: string) => walkImports(entry, srcDir);

describe("@charrnn/data/browser", () => {
  it("reaches no node:* import, through this package and its dependencies", () => {
    const { reached, nodeOnly } = walk(join(srcDir, "browser.ts"));
    expect(nodeOnly).toEqual([]);
    // The walk really went through the batchers and into @charrnn/core.
    expect(reached).toContain("stream-batches.ts");
    expect(reached).toContain("shuffled-windows.ts");
    expect(reached.some((f) => f.endsWith("core/src/rng.ts"))).toBe(true);
  });

  it("the same walk flags the full entry, which reads files", () => {
    const { nodeOnly } = walk(join(srcDir, "index.ts"));
    expect(nodeOnly).toContain("read-corpus.ts: node:fs/promises");
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
