import { describe, expect, it } from "vitest";
import { checkDesignEntries, checkDesignGraph, parseDesignEntries, parseDesignGraph } from "./design-graph";
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

const pkg = (name: string, dir: string, dependencies: string[], entries: string[] = ["."]) => ({
  name,
  dir,
  app: dir.startsWith("apps/"),
  dependencies,
  devDependencies: [],
  entries,
});

function graph(): PackageGraph {
  return {
    packages: [
      pkg("@x/core", "packages/core", []),
      pkg("@x/models", "packages/models", ["@x/core"], [".", "./node"]),
      pkg("@x/onnx", "packages/onnx", ["@x/core", "@x/models", "pb"], [".", "./web", "./graph"]),
      pkg("@x/demo", "apps/demo", ["@x/core", "@x/models", "@x/onnx"], []),
    ],
    imports: [
      imp("@x/demo", "apps/demo/src/a.ts:1", "@x/onnx/web"),
      imp("@x/demo", "apps/demo/src/b.ts:2", "@x/onnx/graph"),
      imp("@x/demo", "apps/demo/src/b.test.ts:3", "@x/onnx", true),
      { ...imp("@x/demo", "apps/demo/src/c.ts:4", "@x/onnx"), typeOnly: true },
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
  it("agrees with a workspace that matches the block (a test's or a type-only import of another entry does not count)", () => {
    expect(checkDesignGraph(parseDesignGraph(doc(BLOCK)), graph())).toEqual([]);
  });

  it("reports a dependency missing from the block, one package.json lacks, and a package with no line", () => {
    const g = graph();
    g.packages[1]!.dependencies = []; // models no longer needs core
    g.packages[2]!.dependencies.push("@x/vocab");
    g.packages.push(pkg("@x/vocab", "packages/vocab", []));
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

const ENTRIES = [
  "## Entries",
  "",
  "| package | entries | holds |",
  "|---|---|---|",
  "| `@x/core` | `.` | errors |",
  "| `@x/models` | `.`, `./node` | model files; `./node`: `saveModel` |",
  "| `@x/onnx` | `.`, `./graph`, `./web` | export |",
  "",
  "## Next",
  "| `@x/later` | `.` | not in the section |",
].join("\n");

describe("parseDesignEntries / checkDesignEntries", () => {
  it("reads the table's packages and entries (not the code spans of other columns)", () => {
    expect(parseDesignEntries(ENTRIES)).toEqual([
      { name: "@x/core", entries: ["."], line: 5 },
      { name: "@x/models", entries: [".", "./node"], line: 6 },
      { name: "@x/onnx", entries: [".", "./graph", "./web"], line: 7 },
    ]);
    expect(checkDesignEntries(parseDesignEntries(ENTRIES), graph())).toEqual([]);
  });

  it("reports an entry the table lacks or invents and a package with exports but no row", () => {
    const g = graph();
    g.packages[0]!.entries.push("./node");
    g.packages.push(pkg("@x/vocab", "packages/vocab", []));
    g.packages[2]!.entries = [".", "./web"];
    expect(checkDesignEntries(parseDesignEntries(ENTRIES), g)).toEqual([
      "docs/design.md: the Entries table has no row for @x/vocab (.)",
      "docs/design.md:5: the Entries table gives @x/core ., its package.json exports ., ./node",
      "docs/design.md:7: the Entries table gives @x/onnx ., ./graph, ./web, its package.json exports ., ./web",
    ]);
    expect(() => parseDesignEntries("# d\n## Entries\nnone\n", "d.md")).toThrow(
      'd.md:2: the "Entries" section has no table of packages',
    );
  });
});
