import { describe, expect, it } from "vitest";
import { checkPackageGraph, entryOf, packageOf } from "./graph-check";
import type { PackageGraph, SourceImport, WorkspacePackage } from "./workspace-graph";

const pkg = (name: string, dependencies: string[] = [], devDependencies: string[] = []): WorkspacePackage => {
  const short = name.split("/")[1]!;
  const app = short === "cli";
  return {
    name,
    dir: `${app ? "apps" : "packages"}/${short}`,
    app,
    dependencies,
    devDependencies,
    entries: [],
  };
};

const imp = (
  from: string,
  where: string,
  specifier: string,
  extra: Partial<SourceImport> = {},
): SourceImport => {
  const [file, line] = where.split(":") as [string, string];
  return { from, file, line: Number(line), specifier, typeOnly: false, test: false, ...extra };
};

/** A workspace that follows every rule: layered, declared, tests on dev dependencies and fixtures. */
function cleanGraph(): PackageGraph {
  return {
    packages: [
      pkg("@x/core"),
      pkg("@x/models", ["@x/core", "tiny-hash"]),
      pkg("@x/sampler", ["@x/core", "@x/models"]),
      pkg("@x/onnx", ["@x/models", "@x/sampler"]),
      pkg("@x/trainer", ["@x/models", "@x/onnx"], ["@x/sampler"]),
      pkg("@x/cli", ["@x/trainer", "@x/sampler"]),
    ],
    imports: [
      imp("@x/models", "packages/models/src/a.ts:1", "@x/core"),
      imp("@x/models", "packages/models/src/a.ts:2", "tiny-hash"),
      imp("@x/models", "packages/models/src/a.ts:3", "node:fs"),
      imp("@x/models", "packages/models/src/a.ts:4", "./b", { resolved: "packages/models/src/b" }),
      imp("@x/sampler", "packages/sampler/src/s.ts:1", "@x/models"),
      imp("@x/sampler", "packages/sampler/src/s.ts:2", "@x/core", { typeOnly: true }),
      imp("@x/onnx", "packages/onnx/src/o.ts:1", "@x/models"),
      imp("@x/onnx", "packages/onnx/src/o.ts:2", "@x/sampler", { typeOnly: true }),
      imp("@x/trainer", "packages/trainer/src/t.ts:1", "@x/models"),
      imp("@x/trainer", "packages/trainer/src/t.ts:9", "@x/onnx/graph"),
      // A test may use a dev dependency, the root's tools and the shared fixtures.
      imp("@x/trainer", "packages/trainer/src/t.test.ts:1", "@x/sampler", { test: true }),
      imp("@x/trainer", "packages/trainer/src/t.test.ts:2", "vitest", { test: true }),
      imp("@x/trainer", "packages/trainer/src/t.test.ts:3", "../../../test-fixtures/t", {
        test: true,
        resolved: "test-fixtures/t",
      }),
      imp("@x/cli", "apps/cli/src/c.ts:1", "@x/trainer"),
      imp("@x/cli", "apps/cli/src/c.ts:2", "@x/sampler"),
    ],
    toolDependencies: ["vitest"],
  };
}

const rules = {
  leaves: ["@x/core"],
  neverReach: [{ from: "@x/sampler", to: ["@x/trainer", "@x/onnx"], why: "it runs in browsers" }],
};

describe("checkPackageGraph", () => {
  it("finds nothing in a graph that follows the rules (dev dependencies in tests, type-only imports, fixtures)", () => {
    expect(checkPackageGraph(cleanGraph(), rules)).toEqual([]);
  });

  it("reports a forbidden edge reached through another package, with every import on the way", () => {
    const graph = cleanGraph();
    graph.packages.find((p) => p.name === "@x/models")!.dependencies.push("@x/trainer");
    graph.imports.push(imp("@x/models", "packages/models/src/late.ts:7", "@x/trainer"));
    const found = checkPackageGraph(graph, rules);
    expect(found.filter((v) => v.rule === "reach").map((v) => v.message)).toEqual([
      "@x/sampler reaches @x/trainer (it runs in browsers): @x/sampler → @x/models at packages/sampler/src/s.ts:1, " +
        "then @x/models → @x/trainer at packages/models/src/late.ts:7",
      "@x/sampler reaches @x/onnx (it runs in browsers): @x/sampler → @x/models at packages/sampler/src/s.ts:1, " +
        "then @x/models → @x/trainer at packages/models/src/late.ts:7, then @x/trainer → @x/onnx at packages/trainer/src/t.ts:9",
    ]);
    // …and the same import closes a cycle models → trainer → models.
    expect(found.filter((v) => v.rule === "cycle").map((v) => v.message)).toEqual([
      "packages import each other: @x/models → @x/trainer at packages/models/src/late.ts:7, " +
        "@x/trainer → @x/models at packages/trainer/src/t.ts:1",
    ]);
  });

  it("counts a type-only import as an edge (layering is about the source, not only the bundle)", () => {
    const graph = cleanGraph();
    graph.packages.find((p) => p.name === "@x/sampler")!.dependencies.push("@x/onnx");
    graph.imports.push(imp("@x/sampler", "packages/sampler/src/types.ts:3", "@x/onnx", { typeOnly: true }));
    const found = checkPackageGraph(graph, rules);
    expect(found.map((v) => v.rule).sort()).toEqual(["cycle", "reach"]);
    expect(found.find((v) => v.rule === "reach")!.message).toContain("packages/sampler/src/types.ts:3");
  });

  it("reports undeclared imports, a dev dependency in shipped code, apps, the leaf and relative paths", () => {
    const graph = cleanGraph();
    graph.imports.push(
      imp("@x/trainer", "packages/trainer/src/u.ts:4", "@x/sampler"),
      imp("@x/trainer", "packages/trainer/src/u.test.ts:5", "left-pad", { test: true }),
      imp("@x/cli", "apps/cli/src/c.ts:8", "@x/models/node"),
      imp("@x/trainer", "packages/trainer/src/v.ts:2", "@x/cli"),
      imp("@x/core", "packages/core/src/k.ts:3", "@x/models"),
      imp("@x/trainer", "packages/trainer/src/w.ts:6", "../../models/src/a", {
        resolved: "packages/models/src/a",
      }),
      imp("@x/trainer", "packages/trainer/src/w.ts:7", "../../../scripts/z", { resolved: "scripts/z" }),
    );
    const messages = checkPackageGraph(graph, rules)
      .filter((v) => v.rule !== "reach" && v.rule !== "cycle")
      .map((v) => `${v.rule} ${v.message}`);
    expect(messages).toEqual([
      "undeclared packages/trainer/src/u.ts:4: @x/trainer imports @x/sampler but packages/trainer/package.json has @x/sampler only in devDependencies, which its shipped code cannot use; move it to dependencies or peerDependencies",
      "undeclared packages/trainer/src/u.test.ts:5: @x/trainer imports left-pad but packages/trainer/package.json does not declare left-pad; add it to devDependencies",
      "undeclared apps/cli/src/c.ts:8: @x/cli imports @x/models/node but apps/cli/package.json does not declare @x/models; add it to dependencies",
      "app packages/trainer/src/v.ts:2: @x/trainer imports the app @x/cli; nothing may import an app",
      "undeclared packages/trainer/src/v.ts:2: @x/trainer imports @x/cli but packages/trainer/package.json does not declare @x/cli; add it to dependencies",
      "leaf packages/core/src/k.ts:3: @x/core imports @x/models; @x/core must import no workspace package",
      "undeclared packages/core/src/k.ts:3: @x/core imports @x/models but packages/core/package.json does not declare @x/models; add it to dependencies",
      'relative packages/trainer/src/w.ts:6: @x/trainer imports "../../models/src/a" (packages/models/src/a) by relative path across packages; import @x/models by name',
      'relative packages/trainer/src/w.ts:7: @x/trainer imports "../../../scripts/z" (scripts/z) by relative path across packages; keep packages/trainer/src self-contained',
    ]);
  });

  it("reports a declared workspace dependency that no shipped file imports (tests do not count)", () => {
    const graph = cleanGraph();
    graph.packages.find((p) => p.name === "@x/cli")!.dependencies.push("@x/onnx");
    graph.imports.push(imp("@x/cli", "apps/cli/src/c.test.ts:1", "@x/onnx", { test: true }));
    expect(checkPackageGraph(graph, rules)).toEqual([
      {
        rule: "unused",
        message: "apps/cli/package.json: declares @x/onnx but no shipped file of apps/cli/src imports it",
      },
    ]);
  });
});

describe("packageOf / entryOf", () => {
  it("splits a specifier into package and entry", () => {
    expect(packageOf("@charrnn/models/node")).toBe("@charrnn/models");
    expect(entryOf("@charrnn/models/node")).toBe("node");
    expect(entryOf("@charrnn/models")).toBe(".");
    expect(packageOf("onnx-proto")).toBe("onnx-proto");
    expect(packageOf("fs/promises")).toBeUndefined();
    expect(packageOf("node:path")).toBeUndefined();
    expect(packageOf("./x")).toBeUndefined();
    expect(packageOf("virtual:pwa")).toBeUndefined();
  });
});
