/**
 * The repository's own package graph: every import declared, no forbidden edge, no cycle, and the
 * graph in docs/design.md equal to what the package.json files declare and the sources import.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkDesignEntries, checkDesignGraph, parseDesignEntries, parseDesignGraph } from "./design-graph";
import { checkPackageGraph, packageOf, REPO_RULES } from "./graph-check";
import { type PackageGraph, readWorkspaceGraph } from "./workspace-graph";

const root = fileURLToPath(new URL("../..", import.meta.url));
const designPath = fileURLToPath(new URL("../design.md", import.meta.url));
const graph = readWorkspaceGraph(root);

describe("the workspace package graph", () => {
  it("is read from every package and app, with their imports", () => {
    const names = graph.packages.map((p) => p.name);
    for (const name of [
      "@charrnn/core",
      "@charrnn/sampler",
      "@charrnn/trainer",
      "@charrnn/cli",
      "@charrnn/demo",
    ]) {
      expect(names).toContain(name);
    }
    const edge = (from: string, to: string): boolean =>
      graph.imports.some((i) => i.from === from && !i.test && packageOf(i.specifier) === to);
    // Known edges, so an import the reader stopped seeing cannot pass as a clean graph.
    expect(edge("@charrnn/sampler", "@charrnn/models")).toBe(true);
    expect(edge("@charrnn/cli", "@charrnn/trainer")).toBe(true);
    expect(graph.imports.some((i) => i.from === "@charrnn/sampler" && i.test)).toBe(true);
  });

  it("follows the rules: declared dependencies, the sampler apart from training, no app imported, core alone, no cycle", () => {
    expect(checkPackageGraph(graph, REPO_RULES).map((v) => `${v.rule}: ${v.message}`)).toEqual([]);
  });

  it("fails when someone adds a forbidden import (the sampler reaching the trainer through models)", () => {
    const broken: PackageGraph = {
      ...graph,
      packages: graph.packages.map((p) =>
        p.name === "@charrnn/models" ? { ...p, dependencies: [...p.dependencies, "@charrnn/trainer"] } : p,
      ),
      imports: [
        ...graph.imports,
        {
          from: "@charrnn/models",
          file: "packages/models/src/new-file.ts",
          line: 3,
          specifier: "@charrnn/trainer",
          typeOnly: false,
          test: false,
        },
      ],
    };
    const found = checkPackageGraph(broken, REPO_RULES);
    // The trainer, and through it @charrnn/onnx and @charrnn/data; and models ↔ trainer is a cycle.
    expect(found.map((v) => v.rule).sort()).toEqual(["cycle", "reach", "reach", "reach"]);
    const reaches = found.filter((v) => v.rule === "reach").map((v) => v.message);
    expect(reaches[0]).toMatch(
      /^@charrnn\/sampler reaches @charrnn\/trainer .*@charrnn\/models → @charrnn\/trainer at packages\/models\/src\/new-file\.ts:3$/,
    );
    expect(reaches.map((m) => m.split(" ")[2]).sort()).toEqual([
      "@charrnn/data",
      "@charrnn/onnx",
      "@charrnn/trainer",
    ]);
  });

  it("is the graph docs/design.md draws (its block lists each package's dependencies, lightest first)", () => {
    const lines = parseDesignGraph(readFileSync(designPath, "utf8"));
    expect(checkDesignGraph(lines, graph)).toEqual([]);
  });

  it("has the entries docs/design.md lists (each package's exports map)", () => {
    const rows = parseDesignEntries(readFileSync(designPath, "utf8"));
    expect(checkDesignEntries(rows, graph)).toEqual([]);
  });
});
