/**
 * The package-graph rules, as a function of a `PackageGraph` (workspace-graph.ts) so a test can run
 * them on the real workspace and on a small hand-made graph that breaks them. Every violation names
 * the file and line of the import (or the package.json) to change.
 */
import { builtinModules } from "node:module";
import type { PackageGraph, SourceImport, WorkspacePackage } from "./workspace-graph";

export type ViolationRule =
  | "undeclared" // imports a package its package.json does not declare (in the right section)
  | "unused" // declares a workspace package that none of its shipped code imports
  | "relative" // reaches into another package (or out of its own) by relative path
  | "app" // imports an app
  | "leaf" // a package that must import no workspace package imports one
  | "reach" // a package reaches a forbidden one, directly or through others
  | "cycle"; // packages that import each other, directly or through others

export interface Violation {
  rule: ViolationRule;
  message: string;
}

export interface GraphRules {
  /** Packages that import no workspace package. */
  leaves: string[];
  /** `from` must not reach any of `to` through shipped imports (type-only included), at any depth. */
  neverReach: { from: string; to: string[]; why: string }[];
}

/** The rules of this repository (README, docs/design.md); "no package imports an app" always holds. */
export const REPO_RULES: GraphRules = {
  leaves: ["@charrnn/core"],
  neverReach: [
    {
      from: "@charrnn/sampler",
      to: ["@charrnn/trainer", "@charrnn/onnx", "@charrnn/data"],
      why: "the sampler runs in browsers with no runtime but its own",
    },
  ],
};

const builtins = new Set(builtinModules);

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; undefined for relative, built-in or URL-like specifiers. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:"))
    return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return undefined; // virtual:, data:, https:
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  return builtins.has(name) ? undefined : name;
}

/** The entry of a package a specifier names: "." for the main one, else the subpath (`node`, `browser`). */
export function entryOf(specifier: string): string {
  const name = packageOf(specifier);
  return name === undefined || specifier === name ? "." : specifier.slice(name.length + 1);
}

const at = (i: SourceImport): string => `${i.file}:${i.line}`;

/** Every violation of `rules` in `graph`, in a stable order. */
export function checkPackageGraph(graph: PackageGraph, rules: GraphRules = REPO_RULES): Violation[] {
  const byName = new Map(graph.packages.map((p) => [p.name, p]));
  const violations: Violation[] = [];
  const add = (rule: ViolationRule, message: string): void => {
    violations.push({ rule, message });
  };

  for (const i of graph.imports) {
    const pkg = byName.get(i.from);
    if (pkg === undefined) continue;
    if (i.resolved !== undefined) {
      const inside = i.resolved.startsWith(`${pkg.dir}/`);
      const fixture = i.test && i.resolved.startsWith("test-fixtures/");
      if (!inside && !fixture) {
        const owner = graph.packages.find((p) => i.resolved!.startsWith(`${p.dir}/`));
        add(
          "relative",
          `${at(i)}: ${i.from} imports "${i.specifier}" (${i.resolved}) by relative path across packages; ` +
            (owner ? `import ${owner.name} by name` : `keep ${pkg.dir}/src self-contained`),
        );
      }
      continue;
    }
    const target = packageOf(i.specifier);
    if (target === undefined || target === i.from) continue;
    const targetPkg = byName.get(target);
    if (targetPkg?.app)
      add("app", `${at(i)}: ${i.from} imports the app ${target}; nothing may import an app`);
    if (targetPkg !== undefined && rules.leaves.includes(i.from)) {
      add("leaf", `${at(i)}: ${i.from} imports ${target}; ${i.from} must import no workspace package`);
    }
    const shipped = pkg.dependencies.includes(target);
    const dev = pkg.devDependencies.includes(target) || graph.toolDependencies.includes(target);
    if (!shipped && !(i.test && dev)) {
      add(
        "undeclared",
        `${at(i)}: ${i.from} imports ${i.specifier} but ${pkg.dir}/package.json ` +
          (dev
            ? `has ${target} only in devDependencies, which its shipped code cannot use; move it to dependencies or peerDependencies`
            : `does not declare ${target}; add it to ${i.test ? "devDependencies" : "dependencies"}`),
      );
    }
  }

  // A declared workspace dependency nothing ships with is a false edge in the documented graph.
  for (const pkg of graph.packages) {
    for (const dep of pkg.dependencies) {
      if (!byName.has(dep)) continue;
      const used = graph.imports.some(
        (i) => i.from === pkg.name && !i.test && packageOf(i.specifier) === dep,
      );
      if (!used) {
        add(
          "unused",
          `${pkg.dir}/package.json: declares ${dep} but no shipped file of ${pkg.dir}/src imports it`,
        );
      }
    }
  }

  const shippedEdges = workspaceEdges(graph, (i) => !i.test);
  for (const rule of rules.neverReach) {
    for (const [target, path] of reachable(rule.from, shippedEdges)) {
      if (!rule.to.includes(target)) continue;
      add(
        "reach",
        `${rule.from} reaches ${target} (${rule.why}): ` +
          path.map((i) => `${i.from} → ${packageOf(i.specifier)} at ${at(i)}`).join(", then "),
      );
    }
  }

  for (const cycle of findCycles(
    graph.packages,
    workspaceEdges(graph, () => true),
  )) {
    add(
      "cycle",
      `packages import each other: ${cycle.map((i) => `${i.from} → ${packageOf(i.specifier)} at ${at(i)}`).join(", ")}`,
    );
  }
  return violations;
}

/** package → package → the first import (in file order) that makes the edge. */
type EdgeMap = Map<string, Map<string, SourceImport>>;

function workspaceEdges(graph: PackageGraph, keep: (i: SourceImport) => boolean): EdgeMap {
  const names = new Set(graph.packages.map((p) => p.name));
  const edges: EdgeMap = new Map();
  for (const i of graph.imports) {
    const target = packageOf(i.specifier);
    if (target === undefined || target === i.from || !names.has(target) || !keep(i)) continue;
    const out = edges.get(i.from) ?? new Map<string, SourceImport>();
    edges.set(i.from, out);
    if (!out.has(target)) out.set(target, i);
  }
  return edges;
}

/** Every package reachable from `start`, with the chain of imports that reaches it first (breadth first). */
function reachable(start: string, edges: EdgeMap): Map<string, SourceImport[]> {
  const paths = new Map<string, SourceImport[]>([[start, []]]);
  const queue = [start];
  while (queue.length > 0) {
    const name = queue.shift()!;
    for (const [target, edge] of edges.get(name) ?? []) {
      if (paths.has(target)) continue;
      paths.set(target, [...paths.get(name)!, edge]);
      queue.push(target);
    }
  }
  paths.delete(start);
  return paths;
}

/**
 * One cycle per strongly connected group of packages (Tarjan), as the imports that close it,
 * starting from the group's first package in `packages` order.
 */
function findCycles(packages: WorkspacePackage[], edges: EdgeMap): SourceImport[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const strongConnect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group);
    }
  };
  for (const p of packages) if (!index.has(p.name)) strongConnect(p.name);

  const order = packages.map((p) => p.name);
  return groups.map((group) => {
    const members = new Set(group);
    const first = order.find((n) => members.has(n))!;
    // Shortest way back to `first` inside the group.
    const inGroup: EdgeMap = new Map(
      group.map((n) => [n, new Map([...(edges.get(n) ?? [])].filter(([t]) => members.has(t)))]),
    );
    let best: SourceImport[] = [];
    for (const [target, path] of reachable(first, inGroup)) {
      const back = inGroup.get(target)?.get(first);
      if (back && (best.length === 0 || path.length + 1 < best.length)) best = [...path, back];
    }
    return best;
  });
}
