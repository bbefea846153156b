import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkDesignCommands, commandNames, parseDesignCommands, readCliCommands } from "./cli-commands";

const CLI_HEADING = /^## apps\/cli\b/;

describe("the CLI table of docs/design.md", () => {
  it("lists exactly the commands apps/cli registers", () => {
    const registered = readCliCommands(fileURLToPath(new URL("../../apps/cli/src", import.meta.url)));
    // Known ones, so a reader that stopped finding commands cannot pass as agreement.
    expect(registered).toEqual(expect.arrayContaining(["train", "sample", "parity", "classify", "predict"]));
    const doc = readFileSync(fileURLToPath(new URL("../design.md", import.meta.url)), "utf8");
    expect(checkDesignCommands(parseDesignCommands(doc, CLI_HEADING), registered)).toEqual([]);
  });
});

describe("commandNames / parseDesignCommands / checkDesignCommands", () => {
  it("finds commander's command names, not other calls", () => {
    const text = [
      'program.command("train").description("x");',
      "const classify = program",
      '  .command("classify");',
      'classify.command("predict <text...>");',
      'run("command");',
      "program.command(name);",
    ].join("\n");
    expect(commandNames("c.ts", text)).toEqual(["train", "classify", "predict"]);
  });

  it("reads the table's first column only, and reports both kinds of difference", () => {
    const doc = [
      "## apps/cli",
      "| command | what |",
      "|---|---|",
      "| `charrnn train` | see `charrnn sample` |",
      "| `charrnn classify predict` | labels |",
      "## next",
      "| `charrnn later` | not this section |",
    ].join("\n");
    const documented = parseDesignCommands(doc, CLI_HEADING);
    expect(documented).toEqual(["classify", "predict", "train"]);
    expect(checkDesignCommands(documented, ["classify", "plot", "train"])).toEqual([
      'docs/design.md: the CLI registers "plot" but the CLI table does not list it',
      'docs/design.md: the CLI table lists "predict" but apps/cli/src registers no such command',
    ]);
  });
});
