import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CharrnnRangeError } from "@charrnn/core";
import { CLASSIFIER_PRESET, mergeTrainOptions } from "@charrnn/trainer";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { withFlagNames } from "../option-names";
import { addOptions, flagNamesOf, type OptionTable, settingsOf } from "../option-table";
import { UsageError } from "../options";
import { repoRoot, runInProcess } from "../test/harness";
import { CLASSIFY_TRAIN_OPTIONS } from "./classify";
import { TORCH_OPTIONS, TRAIN_COMMAND_OPTIONS, TRAIN_OPTIONS } from "./train-options";

/** A settings layer with `value` at a (dotted) key. */
function layer(key: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = key.split(".");
  return { [head!]: rest.length === 0 ? value : layer(rest.join("."), value) };
}

/** The error the library gives for a bad value of `key`, as the command reports it with `name` given. */
async function reported(
  table: OptionTable,
  name: string,
  key: string,
  base?: typeof CLASSIFIER_PRESET,
): Promise<unknown> {
  // The classifier's own settings are checked only for a classifier run.
  const task = base === undefined ? {} : { task: "classifier" };
  return withFlagNames(flagNamesOf(table, { [name]: "given" }), async () =>
    mergeTrainOptions(base, undefined, { ...task, ...layer(key, -1.5) }),
  ).catch((error: unknown) => error);
}

describe("the train option table", () => {
  // Every setting a flag sets has a range check; its error must name the flag, not the library key.
  for (const [command, table, base] of [
    ["train", TRAIN_OPTIONS, undefined],
    ["classify train", CLASSIFY_TRAIN_OPTIONS, CLASSIFIER_PRESET],
  ] as const) {
    for (const [name, option] of Object.entries(table)) {
      if (option.key === undefined) continue;
      it(`${command}: a bad ${option.key} is reported as ${option.flag}`, async () => {
        const error = await reported(table, name, option.key!, base);
        expect(error).toBeInstanceOf(UsageError);
        expect((error as Error).message.startsWith(`${option.flag} must be `)).toBe(true);
      });
    }
  }

  it("names the flag that was given where two flags set one setting", async () => {
    expect(TRAIN_OPTIONS.vocabSize.key).toBe(TRAIN_OPTIONS.maxVocab.key);
    for (const name of ["vocabSize", "maxVocab"] as const) {
      const error = await reported(TRAIN_OPTIONS, name, "vocabMaxSize");
      expect((error as Error).message).toMatch(new RegExp(`^${TRAIN_OPTIONS[name].flag} must be`));
    }
  });

  it("names the flag behind an alias: the vocabulary builder's maxSize is --vocab-size", async () => {
    const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-options-"));
    writeFileSync(join(dir, "a.txt"), "to be or not to be, that is the question\n".repeat(20));
    const run = await runInProcess([
      "train",
      ...["--data", join(dir, "a.txt"), "--out", join(dir, "run")],
      ...["--level", "bpe", "--vocab-size", String(2 ** 21), "--engine", "reference"],
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^charrnn: --vocab-size must be an integer in \[256, \d+\] for a bpe vocab/);
  });

  it("reports a library name no flag of the command sets as it is", async () => {
    const error = await withFlagNames(flagNamesOf(TRAIN_OPTIONS), async () => {
      throw new CharrnnRangeError("valSteps", "an integer ≥ 1", 0);
    }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe("valSteps must be an integer ≥ 1, got 0");
  });

  it("maps the given flags to settings, nested ones included, and leaves the rest unset", () => {
    expect(
      settingsOf(TRAIN_OPTIONS, {
        data: ["x.txt"],
        maxVocab: "500",
        patience: "3",
        lrSchedule: "plateau",
        lrPatience: "2",
        minLr: "0.0001",
        docSeparator: "\\n--\\t",
        engine: "auto",
      }),
    ).toEqual({
      vocabMaxSize: 500,
      earlyStopping: 3,
      lrSchedule: { kind: "plateau", patience: 2, minLr: 0.0001 },
      docSeparator: "\n--\t",
    });
    expect(settingsOf(TORCH_OPTIONS, { nproc: "2", masterPort: "29500", python: "py" })).toEqual({
      nproc: 2,
      masterPort: 29500,
      python: "py",
    });
  });

  it("refuses a bad flag text naming the flag", () => {
    expect(() => settingsOf(TRAIN_OPTIONS, { optimizer: "lbfgs" })).toThrow(
      /^--optimizer must be one of adam, sgd, rmsprop, adagrad, got "lbfgs"$/,
    );
    expect(() => settingsOf(TORCH_OPTIONS, { masterPort: "70000" })).toThrow(/^--master-port must be/);
  });

  it("registers every entry under the name its values are stored by", () => {
    const command = addOptions(new Command("train").exitOverride(), TRAIN_COMMAND_OPTIONS);
    const args = Object.values(TRAIN_COMMAND_OPTIONS).flatMap((o) => [o.flag, `v${o.flag}`]);
    command.parse(args, { from: "user" });
    const parsed = command.opts();
    for (const [name, option] of Object.entries(TRAIN_COMMAND_OPTIONS)) {
      expect(parsed[name]).toEqual("repeatable" in option ? [`v${option.flag}`] : `v${option.flag}`);
    }
  });
});

describe("the README's flag → --config key list", () => {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8").replace(/\s+/g, " ");
  const start = readme.indexOf("A `--config` file names the fields");
  const list = readme.slice(start, readme.indexOf("**", start));
  const camel = (flag: string) => flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  it("names every flag whose setting is not the flag in camelCase, and its key", () => {
    const renamed = Object.values(TRAIN_OPTIONS as OptionTable).filter(
      (o) => o.key !== undefined && o.key !== camel(o.flag),
    );
    expect(start).toBeGreaterThan(0);
    expect(renamed.length).toBeGreaterThan(5);
    for (const option of renamed) {
      expect(list).toContain(`\`${option.flag}\``);
      for (const part of option.key!.split(".")) expect(list).toMatch(new RegExp(`\\b${part}\\b`));
    }
  });
});
