/**
 * Reads the workspace as a `PackageGraph`: every package under `packages/` and `apps/` with the
 * dependencies its package.json declares, and every import in its `src/` with file and line.
 * The checks (`graph-check.ts`, `design-graph.ts`) work on that plain object, so their tests can
 * also feed them small hand-made graphs.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, sep } from "node:path";
import ts from "typescript";

export interface WorkspacePackage {
  /** `@charrnn/sampler` */
  name: string;
  /** Folder relative to the repository root, `/`-separated: `packages/sampler`. */
  dir: string;
  /** Under `apps/`: nothing may import it. */
  app: boolean;
  /** `dependencies`, `peerDependencies` and `optionalDependencies`: what its shipped code may import. */
  dependencies: string[];
  /** `devDependencies`: what its tests may import as well. */
  devDependencies: string[];
  /** The keys of its `exports` map (`.`, `./node`), in file order; none for an app. */
  entries: string[];
}

export interface SourceImport {
  /** Package (name) whose source holds the import. */
  from: string;
  /** File relative to the repository root, and 1-based line. */
  file: string;
  line: number;
  /** As written: `@charrnn/models/node`, `./vocab`, `node:fs`. */
  specifier: string;
  /** Relative specifiers only: the file they name, relative to the root, extension-less if unresolved. */
  resolved?: string;
  /** `import type`, `export type`, `typeof import("…")`: erased at run time. */
  typeOnly: boolean;
  /** In a test file or in a file only tests reach (helpers): may use dev dependencies. */
  test: boolean;
}

export interface PackageGraph {
  packages: WorkspacePackage[];
  imports: SourceImport[];
  /** The root package.json's devDependencies (vitest, typescript, …): tests may import them too. */
  toolDependencies: string[];
}

const SOURCE_FILE = /\.(c|m)?[jt]sx?$/;
const TEST_FILE = /\.test(-d)?\.(c|m)?[jt]sx?$/;

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
}

/** The source files of a package's `exports` (their `@charrnn/source` condition). */
function sourceEntries(dir: string, pkg: PackageJson): string[] {
  return Object.values(pkg.exports ?? {}).flatMap((target) => {
    const source = typeof target === "string" ? target : target["@charrnn/source"];
    return source === undefined ? [] : [join(dir, source)];
  });
}

const readJson = (path: string): PackageJson => JSON.parse(readFileSync(path, "utf8")) as PackageJson;
const toPosix = (path: string): string => path.split(sep).join(posix.sep);

function listSources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // Generated code (the sampler's base64 wasm) is not written by hand and imports nothing.
    if (entry.isDirectory() && entry.name !== "generated") files.push(...listSources(path));
    else if (entry.isFile() && SOURCE_FILE.test(entry.name)) files.push(path);
  }
  return files.sort();
}

interface RawImport {
  specifier: string;
  line: number;
  typeOnly: boolean;
}

/** Static `import`/`export … from`, `import x = require()`, dynamic `import("…")`, `typeof import("…")`. */
export function parseImports(fileName: string, text: string): RawImport[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: RawImport[] = [];
  const add = (literal: ts.Node, typeOnly: boolean): void => {
    if (!ts.isStringLiteralLike(literal)) return;
    const line = source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1;
    found.push({ specifier: literal.text, line, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      // `import { type A, type B } from` is erased too, like `import type`.
      const allTypes =
        clause !== undefined &&
        clause.name === undefined &&
        clause.namedBindings !== undefined &&
        ts.isNamedImports(clause.namedBindings) &&
        clause.namedBindings.elements.length > 0 &&
        clause.namedBindings.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, clause?.isTypeOnly === true || allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument)) add(argument.literal, true);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined
    ) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The file a relative specifier names (`./x` → `./x.ts` or `./x/index.ts`), else the bare path. */
function resolveRelative(fromFile: string, specifier: string): string {
  const base = join(dirname(fromFile), specifier);
  const stem = base.replace(/\.(c|m)?js$/, "");
  for (const candidate of [base, `${stem}.ts`, `${stem}.tsx`, join(base, "index.ts")]) {
    if (existsSync(candidate) && SOURCE_FILE.test(candidate)) return candidate;
  }
  return base;
}

/**
 * Test-side files: `*.test.ts` and the files only they reach (shared test helpers). The rest is
 * shipped code: what the package's entries (its `exports`) and the files nothing imports (scripts,
 * app entries) reach through relative imports.
 */
function testSide(files: string[], entries: string[], relativeImports: Map<string, string[]>): Set<string> {
  const importedBy = new Set<string>();
  for (const targets of relativeImports.values()) for (const t of targets) importedBy.add(t);
  const shipped = new Set<string>();
  const queue = [...entries, ...files.filter((f) => !TEST_FILE.test(f) && !importedBy.has(f))];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (shipped.has(file) || TEST_FILE.test(file)) continue;
    shipped.add(file);
    queue.push(...(relativeImports.get(file) ?? []));
  }
  return new Set(files.filter((f) => !shipped.has(f)));
}

/** The workspace under `root`: packages in `packages/*` and `apps/*`, imports in their `src/`. */
export function readWorkspaceGraph(root: string): PackageGraph {
  const packages: WorkspacePackage[] = [];
  const imports: SourceImport[] = [];
  for (const group of ["packages", "apps"]) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir, { withFileTypes: true })) {
      const dir = join(groupDir, entry.name);
      if (!entry.isDirectory() || !existsSync(join(dir, "package.json"))) continue;
      const pkg = readJson(join(dir, "package.json"));
      packages.push({
        name: pkg.name,
        dir: toPosix(relative(root, dir)),
        app: group === "apps",
        dependencies: Object.keys({
          ...pkg.dependencies,
          ...pkg.peerDependencies,
          ...pkg.optionalDependencies,
        }).sort(),
        devDependencies: Object.keys(pkg.devDependencies ?? {}).sort(),
        entries: Object.keys(pkg.exports ?? {}),
      });
      const files = listSources(join(dir, "src"));
      const parsed = new Map<string, RawImport[]>();
      const relativeImports = new Map<string, string[]>();
      for (const file of files) {
        const found = parseImports(file, readFileSync(file, "utf8"));
        parsed.set(file, found);
        relativeImports.set(
          file,
          found.filter((i) => i.specifier.startsWith(".")).map((i) => resolveRelative(file, i.specifier)),
        );
      }
      const tests = testSide(files, sourceEntries(dir, pkg), relativeImports);
      for (const file of files) {
        for (const raw of parsed.get(file)!) {
          imports.push({
            from: pkg.name,
            file: toPosix(relative(root, file)),
            line: raw.line,
            specifier: raw.specifier,
            ...(raw.specifier.startsWith(".")
              ? { resolved: toPosix(relative(root, resolveRelative(file, raw.specifier))) }
              : {}),
            typeOnly: raw.typeOnly,
            test: tests.has(file),
          });
        }
      }
    }
  }
  packages.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  const rootPkg = readJson(join(root, "package.json"));
  return { packages, imports, toolDependencies: Object.keys(rootPkg.devDependencies ?? {}).sort() };
}
