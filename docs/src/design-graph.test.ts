import { describe, expect, it } from "vitest";
import { checkDesignGraph, parseDesignGraph } from "./design-graph";
import type { PackageGraph, SourceImport } from "./workspace-graph";

const doc = (block: string): string =>
  `# design\n\nIntro.\n\n## Package graph (lightest first)\n\n\`\`\`\n${block}\n\`\`\`\n\n## Next\n`;

const BLOCK = [
  "packages/core     no deps                 errors, RNG",
  "packages/models   → core                  configs, weights",
  "packages/onnx     → core, models          export, ORT step model",
  "                                          (a description's second line)",
  "apps/demo         → models, core,         the web page",
  "                    onnx/web, onnx/graph",
].join("\n");

const imp = (from: string, where: string, specifier: string, test = false): SourceImport => {
  const [file, line] = where.split(":") as [string, string];
  return { from, file, line: Number(line), specifier, typeOnly: false, test };
};

function graph(): PackageGraph {
  return {
    packages: [
      { name: "@x/core", dir: "packages/core", app: false, dependencies: [], devDependencies: [] },
      {
        name: "@x/models",
        dir: "packages/models",
        app: false,
        dependencies: ["@x/core"],
        devDependencies: [],
      },
      {
        name: "@x/onnx",
        dir: "packages/onnx",
        app: false,
        dependencies: ["@x/core", "@x/models", "pb"],
        devDependencies: [],
      },
      {
        name: "@x/demo",
        dir: "apps/demo",
        app: true,
        dependencies: ["@x/core", "@x/models", "@x/onnx"],
        devDependencies: [],
      },
    ],
    imports: [
      imp("@x/demo", "apps/demo/src/a.ts:1", "@x/onnx/web"),
      imp("@x/demo", "apps/demo/src/b.ts:2", "@x/onnx/graph"),
      imp("@x/demo", "apps/demo/src/b.test.ts:3", "@x/onnx", true),
    ],
    toolDependencies: [],
  };
}

describe("parseDesignGraph", () => {
  it("reads each package's dependencies with their line, across a continued list", () => {
    expect(parseDesignGraph(doc(BLOCK))).toEqual([
      { dir: "packages/core", deps: [], line: 8 },
      { dir: "packages/models", deps: ["core"], line: 9 },
      { dir: "packages/onnx", deps: ["core", "models"], line: 10 },
      { dir: "apps/demo", deps: ["models", "core", "onnx/web", "onnx/graph"], line: 12 },
    ]);
  });

  it("refuses a document without the section or with a line it cannot read, naming the line", () => {
    expect(() => parseDesignGraph("# design\n", "d.md")).toThrow('d.md: no "## Package graph" section');
    expect(() => parseDesignGraph(doc("packages/core  depends on nothing"), "d.md")).toThrow(
      'd.md:8: expected "→ a, b" or "no deps" after packages/core',
    );
  });
});

describe("checkDesignGraph", () => {
  it("agrees with a workspace that matches the block (a test's import of another entry does not count)", () => {
    expect(checkDesignGraph(parseDesignGraph(doc(BLOCK)), graph())).toEqual([]);
  });

  it("reports a dependency missing from the block, one package.json lacks, and a package with no line", () => {
    const g = graph();
    g.packages[1]!.dependencies = []; // models no longer needs core
    g.packages[2]!.dependencies.push("@x/vocab");
    g.packages.push({
      name: "@x/vocab",
      dir: "packages/vocab",
      app: false,
      dependencies: [],
      devDependencies: [],
    });
    expect(checkDesignGraph(parseDesignGraph(doc(BLOCK)), g)).toEqual([
      "docs/design.md: the package graph has no line for packages/vocab (@x/vocab)",
      "docs/design.md:9: the graph says packages/models → @x/core but packages/models/package.json does not declare it",
      "docs/design.md:10: packages/onnx depends on @x/vocab (packages/onnx/package.json) but the graph omits it",
    ]);
  });

  it("reports an entry the block does not list and a listed entry nothing ships with", () => {
    const g = graph();
    g.imports[1] = imp("@x/demo", "apps/demo/src/b.ts:2", "@x/onnx");
    expect(checkDesignGraph(parseDesignGraph(doc(BLOCK)), g)).toEqual([
      "docs/design.md:12: the graph says apps/demo uses only @x/onnx/web, @x/onnx/graph but apps/demo/src/b.ts:2 imports @x/onnx",
      "docs/design.md:12: the graph lists @x/onnx/graph but no shipped file of apps/demo imports it",
    ]);
  });

  it("reports a dependency listed below its dependent: the block's order is the layering", () => {
    const swapped = BLOCK.split("\n");
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!]; // onnx above models
    expect(checkDesignGraph(parseDesignGraph(doc(swapped.join("\n"))), graph())).toEqual([
      "docs/design.md:9: packages/onnx → @x/models, but packages/models is not listed above it (heavier packages import lighter ones, lightest first)",
    ]);
  });
});
