/**
 * Test helper shared by the `browser` entries' guard tests (packages/data, packages/trainer): the
 * run-time import graph of a source entry, and the imports in it that only Node can satisfy.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

const builtins = new Set(builtinModules);

/** True for imports a browser bundle cannot satisfy. */
function isNodeOnly(spec: string): boolean {
  return (
    spec.startsWith("node:") ||
    builtins.has(spec.split("/")[0]!) ||
    spec === "onnxruntime-node" ||
    spec.startsWith("@tensorflow/")
  );
}

/**
 * The module specifiers a file loads at run time (type-only imports and exports are erased); with
 * `dynamic` false, only those it loads when it is first imported (no `import()` calls).
 */
function runtimeImports(file: string, dynamic: boolean): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022);
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) ||
      (ts.isExportDeclaration(node) && !node.isTypeOnly)
    ) {
      if (node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
        specs.push(node.moduleSpecifier.text);
    } else if (
      dynamic &&
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      specs.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specs;
}

/** A workspace package's source entry (`@charrnn/x[/sub]` → its `@charrnn/source` export). */
function resolveWorkspace(spec: string, from: string): string {
  const [scope, name, ...rest] = spec.split("/");
  const subpath = rest.length > 0 ? `./${rest.join("/")}` : ".";
  for (let dir = dirname(from); dir !== dirname(dir); dir = dirname(dir)) {
    const pkgDir = join(dir, "node_modules", scope!, name!);
    if (!existsSync(join(pkgDir, "package.json"))) continue;
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
      exports: Record<string, Record<string, string>>;
    };
    const entry = pkg.exports[subpath]?.["@charrnn/source"];
    if (entry === undefined) throw new Error(`${spec} has no @charrnn/source export (from ${from})`);
    return realpathSync(join(pkgDir, entry));
  }
  throw new Error(`cannot find ${spec} from ${from}`);
}

function resolveRelative(spec: string, from: string): string {
  const base = join(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(candidate) && candidate.endsWith(".ts")) return realpathSync(candidate);
  }
  throw new Error(`cannot resolve ${spec} from ${from}`);
}

/**
 * Walks the run-time import graph from `entry` through relative imports and workspace packages;
 * returns every module reached, every Node-only import found and every import of another package
 * (neither relative nor `@charrnn/`), the last two as `file: specifier`, with paths relative to
 * `base`. `dynamic: false` leaves out what `import()` loads on demand: the graph that loading the
 * entry loads.
 */
export function walkImports(
  entry: string,
  base: string,
  { dynamic = true }: { dynamic?: boolean } = {},
): { reached: string[]; nodeOnly: string[]; external: string[] } {
  const seen = new Set<string>();
  const nodeOnly: string[] = [];
  const external: string[] = [];
  const queue = [realpathSync(entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of runtimeImports(file, dynamic)) {
      if (spec.startsWith(".")) queue.push(resolveRelative(spec, file));
      else if (spec.startsWith("@charrnn/")) queue.push(resolveWorkspace(spec, file));
      else external.push(`${relative(base, file)}: ${spec}`);
      if (isNodeOnly(spec)) nodeOnly.push(`${relative(base, file)}: ${spec}`);
    }
  }
  return { reached: [...seen].map((f) => relative(base, f)), nodeOnly, external };
}
