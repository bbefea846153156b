import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInProcess, tempCorpus } from "./test/harness";

describe("train --optimizer / --weight-decay", () => {
  const { dir, corpus } = tempCorpus("charrnn-cli-optimizer-", 5_000);
  const small = ["--hidden", "8", "--embed", "4", "--layers", "1", "--seq", "8", "--batch", "2"];
  const run = (out: string, ...flags: string[]) =>
    runInProcess([
      "train",
      "--data",
      corpus,
      "--out",
      join(dir, out),
      "--engine",
      "reference",
      "--max-steps",
      "2",
      ...small,
      ...flags,
    ]);
  const optimizer = (out: string) =>
    JSON.parse(readFileSync(join(dir, out, "config.json"), "utf8")).settings.optimizer as unknown;

  it("sets the optimizer's weight decay, keeping a preset's optimizer fields of the same kind", async () => {
    expect((await run("adamw", "--weight-decay", "0.05")).code).toBe(0);
    expect(optimizer("adamw")).toEqual({ kind: "adam", weightDecay: 0.05 });
    const file = join(dir, "momentum.json");
    writeFileSync(file, JSON.stringify({ optimizer: { kind: "sgd", momentum: 0.9 } }));
    const sgd = await run("sgd", "--config", file, "--weight-decay", "0.001");
    expect(sgd.code).toBe(0);
    expect(optimizer("sgd")).toEqual({ kind: "sgd", momentum: 0.9, weightDecay: 0.001 });
    // Another kind replaces the config file's optimizer whole: no momentum carried into adam.
    expect((await run("switch", "--config", file, "--optimizer", "adam")).code).toBe(0);
    expect(optimizer("switch")).toEqual({ kind: "adam" });
  });

  it("refuses a weight decay the optimizer cannot apply, in one line naming --weight-decay", async () => {
    for (const [flags, pattern] of [
      [
        ["--optimizer", "rmsprop", "--weight-decay", "0.1"],
        /^charrnn: --weight-decay must be 0: rmsprop takes no weight decay/,
      ],
      [["--weight-decay", "-1"], /^charrnn: --weight-decay must be/],
    ] as const) {
      const r = await run(`bad-${flags.join("")}`, ...flags);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });
});
