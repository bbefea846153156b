/**
 * The package graph as docs/design.md draws it (the fenced block under "## Package graph"), and
 * its comparison with the workspace: the document cannot drift from the package.json files and the
 * imports, and its order (lightest first) is the layering every import must follow.
 *
 * Block lines: `packages/sampler   → core, models, vocab   what it holds`. Dependencies are package
 * names without the scope; `trainer/browser` says the package's shipped code loads only that entry of
 * trainer (type-only imports of other entries load nothing and are allowed). A list that ends with
 * a comma continues on the next, indented line. `no deps` for none.
 */
import { entryOf, packageOf } from "./graph-check";
import type { PackageGraph } from "./workspace-graph";

export interface DesignGraphLine {
  /** `packages/sampler` */
  dir: string;
  /** `["core", "models", "trainer/browser"]`, as written. */
  deps: string[];
  /** 1-based line in the document. */
  line: number;
}

const HEADING = /^## Package graph\b/;
const PACKAGE_LINE = /^((?:packages|apps)\/[a-z0-9-]+)\s+(.*)$/;
const DEP = "[a-z0-9-]+(?:/[a-z0-9-]+)?";
// Items are separated by ", " (one space at most): two spaces end the list and start the description.
const LIST = `((?:${DEP}, ?)*${DEP})(,?)`;
const DEP_LIST = new RegExp(`^→ ?${LIST}`);
const MORE_DEPS = new RegExp(`^\\s+${LIST}`);

/** The block's lines; throws naming the document when the section or block is missing or a line does not parse. */
export function parseDesignGraph(markdown: string, source = "docs/design.md"): DesignGraphLine[] {
  const lines = markdown.split("\n");
  const heading = lines.findIndex((l) => HEADING.test(l));
  if (heading < 0) throw new Error(`${source}: no "## Package graph" section`);
  const open = lines.findIndex((l, k) => k > heading && l.startsWith("```"));
  const close = lines.findIndex((l, k) => k > open && l.startsWith("```"));
  if (open < 0 || close < 0) throw new Error(`${source}: no fenced block under "## Package graph"`);

  const result: DesignGraphLine[] = [];
  let continues: DesignGraphLine | undefined;
  for (let k = open + 1; k < close; k++) {
    const text = lines[k]!;
    if (continues !== undefined) {
      const more = MORE_DEPS.exec(text);
      if (more === null) throw new Error(`${source}:${k + 1}: expected more dependencies after the comma`);
      continues.deps.push(...splitDeps(more[1]!));
      if (more[2] !== ",") continues = undefined;
      continue;
    }
    if (text.trim() === "") continue;
    const m = PACKAGE_LINE.exec(text);
    if (m === null) {
      if (/^\s/.test(text)) continue; // a description's second line
      throw new Error(`${source}:${k + 1}: expected "packages/x  → a, b  description", got "${text}"`);
    }
    const entry: DesignGraphLine = { dir: m[1]!, deps: [], line: k + 1 };
    result.push(entry);
    const rest = m[2]!;
    if (rest.startsWith("no deps")) continue;
    const list = DEP_LIST.exec(rest);
    if (list === null) throw new Error(`${source}:${k + 1}: expected "→ a, b" or "no deps" after ${m[1]}`);
    entry.deps.push(...splitDeps(list[1]!));
    if (list[2] === ",") continues = entry;
  }
  return result;
}

function splitDeps(list: string): string[] {
  return list
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d !== "");
}

/**
 * Differences between the document's graph and the workspace, each naming the document line and
 * the package.json or import to look at: a package missing from the block (or one that does not
 * exist), a dependency the block lists that package.json does not declare (or the reverse), an
 * entry list (`trainer/browser`) that is not what the shipped code imports, and a dependency that
 * is not listed above its dependent (the block is in layering order, lightest first).
 */
export function checkDesignGraph(
  lines: DesignGraphLine[],
  graph: PackageGraph,
  source = "docs/design.md",
): string[] {
  const problems: string[] = [];
  const scope = (name: string): string => name.slice(0, name.indexOf("/") + 1);
  const position = new Map(lines.map((l, k) => [l.dir, k]));
  for (const pkg of graph.packages) {
    if (!position.has(pkg.dir))
      problems.push(`${source}: the package graph has no line for ${pkg.dir} (${pkg.name})`);
  }
  for (const line of lines) {
    const here = `${source}:${line.line}`;
    const pkg = graph.packages.find((p) => p.dir === line.dir);
    if (pkg === undefined) {
      problems.push(`${here}: ${line.dir} is not a workspace package`);
      continue;
    }
    const prefix = scope(pkg.name);
    const byDep = new Map<string, string[]>();
    for (const dep of line.deps) {
      const [name, entry] = dep.split("/") as [string, string | undefined];
      const entries = byDep.get(`${prefix}${name}`) ?? [];
      if (entry !== undefined) entries.push(entry);
      byDep.set(`${prefix}${name}`, entries);
    }
    const workspace = new Set(graph.packages.map((p) => p.name));
    const declared = pkg.dependencies.filter((d) => workspace.has(d));
    for (const dep of declared) {
      if (!byDep.has(dep)) {
        problems.push(
          `${here}: ${line.dir} depends on ${dep} (${pkg.dir}/package.json) but the graph omits it`,
        );
      }
    }
    for (const [dep, entries] of byDep) {
      if (!declared.includes(dep)) {
        problems.push(
          `${here}: the graph says ${line.dir} → ${dep} but ${pkg.dir}/package.json does not declare it`,
        );
        continue;
      }
      const target = graph.packages.find((p) => p.name === dep)!;
      const depLine = position.get(target.dir);
      if (depLine !== undefined && depLine >= position.get(line.dir)!) {
        problems.push(
          `${here}: ${line.dir} → ${dep}, but ${target.dir} is not listed above it (heavier packages import lighter ones, lightest first)`,
        );
      }
      if (entries.length === 0) continue;
      const used = new Map<string, string>();
      for (const i of graph.imports) {
        // What loads at run time: a type-only import of another entry loads nothing.
        if (i.from !== pkg.name || i.test || i.typeOnly || packageOf(i.specifier) !== dep) continue;
        if (!used.has(entryOf(i.specifier))) used.set(entryOf(i.specifier), `${i.file}:${i.line}`);
      }
      for (const [entry, where] of used) {
        if (!entries.includes(entry)) {
          const name = entry === "." ? dep : `${dep}/${entry}`;
          problems.push(
            `${here}: the graph says ${line.dir} uses only ${entries.map((e) => `${dep}/${e}`).join(", ")} but ${where} imports ${name}`,
          );
        }
      }
      for (const entry of entries) {
        if (!used.has(entry))
          problems.push(
            `${here}: the graph lists ${dep}/${entry} but no shipped file of ${line.dir} imports it`,
          );
      }
    }
  }
  return problems;
}

export interface DesignEntriesRow {
  /** `@charrnn/models` */
  name: string;
  /** `[".", "./node"]`: the code spans of the second column. */
  entries: string[];
  line: number;
}

/**
 * The table under the "Entries" heading: `` | `@charrnn/models` | `.`, `./node` | what each holds | ``.
 * Throws naming the document when there is no such table.
 */
export function parseDesignEntries(markdown: string, source = "docs/design.md"): DesignEntriesRow[] {
  const lines = markdown.split("\n");
  const heading = lines.findIndex((l) => /^#+ Entries\b/.test(l));
  if (heading < 0) throw new Error(`${source}: no "Entries" section`);
  const rows: DesignEntriesRow[] = [];
  for (let k = heading + 1; k < lines.length && !lines[k]!.startsWith("#"); k++) {
    const cells = lines[k]!.split("|").map((c) => c.trim());
    const name = /^`(@[a-z0-9-]+\/[a-z0-9-]+)`$/.exec(cells[1] ?? "");
    if (!lines[k]!.startsWith("|") || name === null) continue;
    rows.push({
      name: name[1]!,
      entries: [...(cells[2] ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
      line: k + 1,
    });
  }
  if (rows.length === 0)
    throw new Error(`${source}:${heading + 1}: the "Entries" section has no table of packages`);
  return rows;
}

/** Differences between the Entries table and the packages' `exports` maps (apps have none and no row). */
export function checkDesignEntries(
  rows: DesignEntriesRow[],
  graph: PackageGraph,
  source = "docs/design.md",
): string[] {
  const problems: string[] = [];
  for (const pkg of graph.packages) {
    if (pkg.entries.length > 0 && !rows.some((r) => r.name === pkg.name)) {
      problems.push(`${source}: the Entries table has no row for ${pkg.name} (${pkg.entries.join(", ")})`);
    }
  }
  for (const row of rows) {
    const pkg = graph.packages.find((p) => p.name === row.name);
    const actual = pkg?.entries ?? [];
    const same = actual.length === row.entries.length && actual.every((e) => row.entries.includes(e));
    if (!same) {
      problems.push(
        `${source}:${row.line}: the Entries table gives ${row.name} ${row.entries.join(", ") || "nothing"}, ` +
          `its package.json exports ${actual.join(", ") || "nothing"}`,
      );
    }
  }
  return problems;
}
