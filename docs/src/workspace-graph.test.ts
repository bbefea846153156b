import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseImports, readWorkspaceGraph } from "./workspace-graph";

describe("parseImports", () => {
  it("finds static, re-exported, dynamic and type-position imports with their lines", () => {
    const text = [
      'import { a } from "@x/a";',
      'import type { B } from "@x/b";',
      'import { type C, type D } from "@x/c";',
      'export { e } from "./e";',
      'export type { F } from "@x/f";',
      "const g = await import(",
      '  "@x/g/node");',
      'let h: typeof import("@x/h");',
      'import "./side-effect";',
      'const notAnImport = "@x/z";',
    ].join("\n");
    expect(parseImports("f.ts", text)).toEqual([
      { specifier: "@x/a", line: 1, typeOnly: false },
      { specifier: "@x/b", line: 2, typeOnly: true },
      { specifier: "@x/c", line: 3, typeOnly: true },
      { specifier: "./e", line: 4, typeOnly: false },
      { specifier: "@x/f", line: 5, typeOnly: true },
      { specifier: "@x/g/node", line: 7, typeOnly: false },
      { specifier: "@x/h", line: 8, typeOnly: true },
      { specifier: "./side-effect", line: 9, typeOnly: false },
    ]);
  });
});

describe("readWorkspaceGraph", () => {
  const root = mkdtempSync(join(tmpdir(), "charrnn-graph-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  it("reads packages and apps, and tells shipped files from tests and the helpers only tests reach", () => {
    write("package.json", JSON.stringify({ name: "root", devDependencies: { vitest: "1" } }));
    write(
      "packages/lib/package.json",
      JSON.stringify({
        name: "@x/lib",
        exports: {
          ".": { "@charrnn/source": "./src/index.ts", default: "./dist/index.js" },
          "./node": "./src/node.ts",
        },
        dependencies: { "@x/core": "workspace:*" },
        peerDependencies: { heavy: "^1" },
        devDependencies: { helper: "1" },
      }),
    );
    // index.ts is an entry (its `exports` source) even though a test imports it; so is node.ts.
    write("packages/lib/src/index.ts", 'export { a } from "./a";\n');
    write("packages/lib/src/node.ts", 'import "node:fs";\nexport { a } from "./a";\n');
    write("packages/lib/src/a.ts", 'import { core } from "@x/core";\nexport const a = core;\n');
    write(
      "packages/lib/src/a.test.ts",
      'import { a } from "./index";\nimport { h } from "./test-helpers";\n',
    );
    write("packages/lib/src/test-helpers.ts", 'export { h } from "helper";\n');
    write("packages/lib/src/generated/blob.ts", 'import "@x/never-read";\n');
    write("apps/tool/package.json", JSON.stringify({ name: "@x/tool" }));
    write(
      "apps/tool/src/main.ts",
      'const lib = await import("@x/lib");\nimport "../../../packages/lib/src/a";\n',
    );

    const graph = readWorkspaceGraph(root);
    expect(graph.toolDependencies).toEqual(["vitest"]);
    expect(graph.packages).toEqual([
      { name: "@x/tool", dir: "apps/tool", app: true, dependencies: [], devDependencies: [], entries: [] },
      {
        name: "@x/lib",
        dir: "packages/lib",
        app: false,
        dependencies: ["@x/core", "heavy"],
        devDependencies: ["helper"],
        entries: [".", "./node"],
      },
    ]);
    const rows = graph.imports.map((i) => `${i.file}:${i.line} ${i.specifier}${i.test ? " (test)" : ""}`);
    expect(rows.sort()).toEqual([
      "apps/tool/src/main.ts:1 @x/lib",
      "apps/tool/src/main.ts:2 ../../../packages/lib/src/a",
      "packages/lib/src/a.test.ts:1 ./index (test)",
      "packages/lib/src/a.test.ts:2 ./test-helpers (test)",
      "packages/lib/src/a.ts:1 @x/core",
      "packages/lib/src/index.ts:1 ./a",
      "packages/lib/src/node.ts:1 node:fs",
      "packages/lib/src/node.ts:2 ./a",
      "packages/lib/src/test-helpers.ts:1 helper (test)",
    ]);
    expect(graph.imports.find((i) => i.file === "apps/tool/src/main.ts" && i.line === 2)?.resolved).toBe(
      "packages/lib/src/a.ts",
    );
  });
});
