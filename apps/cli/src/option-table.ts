import { type Command, Option } from "commander";
import { parseChoiceFlag, parseIntFlag, parseNumberFlag } from "./options";

/** Turns a flag's text into its setting's value, or throws a UsageError naming the flag. */
export type ParseFlag = (flag: string, raw: string) => unknown;

/**
 * One command-line option of a table: what commander registers and, for a flag that sets a library
 * setting, which setting and how its text is parsed. A table is keyed by the name commander stores
 * the value under (the flag in camelCase), so the table alone defines the command's options, the
 * type of its parsed flags, the settings they map to and the flag a library error is reported under.
 */
export interface CliOption {
  /** The flag as typed, e.g. `--max-vocab`. */
  readonly flag: `--${string}`;
  /** The value's placeholder in the help, e.g. `<n>`. */
  readonly value: `<${string}>`;
  readonly help: string;
  /** The library setting the flag sets (a dotted path into a nested one: `lrSchedule.factor`). */
  readonly key?: string;
  /** Other names the library's errors give the same value (e.g. the vocabulary builder's `maxSize`). */
  readonly aliases?: readonly string[];
  /** Parses and range-checks the text; without it the setting is the text itself. */
  readonly parse?: ParseFlag;
  readonly default?: string;
  readonly required?: true;
  /** Given several times, the values are collected in order (default: none). */
  readonly repeatable?: true;
  /** Accepted but left out of the help: an old spelling kept working for scripts. */
  readonly hidden?: true;
}

export type OptionTable = Readonly<Record<string, CliOption>>;

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<Camel<Tail>>}`
  : S;

/**
 * A table whose every name is the property commander stores its flag under (`--max-vocab` →
 * `maxVocab`); a mismatch is a compile error at that entry.
 */
export function optionTable<const T extends OptionTable>(
  table: T & {
    [K in keyof T]: T[K]["flag"] extends `--${infer Name}`
      ? { flag: `--${K extends Camel<Name> ? Name : never}` }
      : never;
  },
): T {
  return table;
}

type AlwaysGiven = { readonly repeatable: true } | { readonly default: string } | { readonly required: true };

/** The flags commander hands a command's action: each value as typed (or its default). */
export type FlagValues<T extends OptionTable> = {
  -readonly [K in keyof T as T[K] extends AlwaysGiven ? K : never]: T[K] extends { readonly repeatable: true }
    ? string[]
    : string;
} & { -readonly [K in keyof T as T[K] extends AlwaysGiven ? never : K]?: string };

/** Registers a table's options on a command, in the table's order (the order of the help). */
export function addOptions(command: Command, table: OptionTable): Command {
  for (const option of Object.values(table)) {
    const entry = new Option(`${option.flag} ${option.value}`, option.help);
    if (option.repeatable)
      entry.argParser((value: string, previous: string[]) => [...previous, value]).default([]);
    if (option.default !== undefined) entry.default(option.default);
    if (option.required) entry.makeOptionMandatory();
    if (option.hidden) entry.hideHelp();
    command.addOption(entry);
  }
  return command;
}

/** The settings the given flags set (those given only), parsed and range-checked, keyed as the library keys them. */
export function settingsOf(
  table: OptionTable,
  flags: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(table)) {
    const raw = flags[name];
    if (option.key === undefined || raw === undefined) continue;
    const value = option.parse === undefined ? raw : option.parse(option.flag, raw as string);
    const path = option.key.split(".");
    let target = out;
    for (const part of path.slice(0, -1)) {
      target[part] ??= {};
      target = target[part] as Record<string, unknown>;
    }
    target[path.at(-1)!] = value;
  }
  return out;
}

/**
 * The flag behind each library name (setting key or alias) of a table, for error messages; where
 * several flags set one setting, the one given in `flags` wins, else the first.
 */
export function flagNamesOf(
  table: OptionTable,
  flags: Readonly<Record<string, unknown>> = {},
): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, option] of Object.entries(table)) {
    for (const libraryName of [
      ...(option.key === undefined ? [] : [option.key]),
      ...(option.aliases ?? []),
    ]) {
      if (out[libraryName] === undefined || flags[name] !== undefined) out[libraryName] = option.flag;
    }
  }
  return out;
}

/** `a, b or c`: a list of choices as help text says it. */
export function orList(choices: readonly string[]): string {
  return choices.length < 2 ? choices.join("") : `${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}`;
}

/** An integer flag ≥ `min` (and ≤ `max`). */
export const int =
  (min: number, max?: number): ParseFlag =>
  (flag, raw) =>
    parseIntFlag(flag, raw, max === undefined ? { min } : { min, max });

/** A number flag, ≥ `min` when given (the library checks the rest of the range, named by flag). */
export const num =
  (min?: number): ParseFlag =>
  (flag, raw) =>
    parseNumberFlag(flag, raw, min === undefined ? {} : { min });

/** One of `choices`. */
export const choice =
  (choices: readonly string[]): ParseFlag =>
  (flag, raw) =>
    parseChoiceFlag(flag, raw, choices);
