/**
 * The `charrnn` commands: those the CLI's sources register (`.command("name")`) and those the
 * design document's CLI table lists (`` `charrnn classify train` ``), so a command added, renamed
 * or removed without the document fails the docs test.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

/** Every name given to commander's `.command("…")` in `dir`'s shipped files, sorted. */
export function readCliCommands(dir: string): string[] {
  const names = new Set<string>();
  const visitDir = (path: string): void => {
    if (!existsSync(path)) return;
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const file = join(path, entry.name);
      if (entry.isDirectory()) visitDir(file);
      else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        for (const name of commandNames(file, readFileSync(file, "utf8"))) names.add(name);
      }
    }
  };
  visitDir(dir);
  return [...names].sort();
}

/** The first word of each `.command("name <args>")` call's string literal. */
export function commandNames(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === "command" &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      names.push(node.arguments[0].text.split(" ")[0]!);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

/** The command words of the table rows under the heading `heading`: `` `charrnn a b` `` → a, b. */
export function parseDesignCommands(markdown: string, heading: RegExp, source = "docs/design.md"): string[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) throw new Error(`${source}: no section matching ${heading}`);
  const words = new Set<string>();
  for (let k = start + 1; k < lines.length && !lines[k]!.startsWith("## "); k++) {
    const first = lines[k]!.startsWith("|") ? lines[k]!.split("|")[1]! : "";
    for (const m of first.matchAll(/`charrnn ([a-z- ]+)`/g)) for (const w of m[1]!.split(" ")) words.add(w);
  }
  return [...words].sort();
}

/** Commands the sources register that the document lacks, and the reverse. */
export function checkDesignCommands(
  documented: string[],
  registered: string[],
  source = "docs/design.md",
): string[] {
  return [
    ...registered
      .filter((c) => !documented.includes(c))
      .map((c) => `${source}: the CLI registers "${c}" but the CLI table does not list it`),
    ...documented
      .filter((c) => !registered.includes(c))
      .map((c) => `${source}: the CLI table lists "${c}" but apps/cli/src registers no such command`),
  ];
}
