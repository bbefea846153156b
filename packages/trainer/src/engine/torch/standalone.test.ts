import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testTorchPython } from "./test-torch";

const python = testTorchPython();

describe.skipIf(python === undefined)("python3 -m charrnn_torch train (no Node)", () => {
  it.each(["fp32", "bf16"])(
    "trains on a settings file and a corpus (--precision %s), printing JSON progress, validation and the end",
    (precision) => {
      const dir = mkdtempSync(join(tmpdir(), "charrnn-standalone-"));
      const corpus = join(dir, "corpus.txt");
      const text = readFileSync(
        new URL("../../../../../test-fixtures/tinyshakespeare.txt", import.meta.url),
        "utf8",
      );
      writeFileSync(corpus, text.slice(0, 8000));
      const settings = join(dir, "config.json");
      // A run's config.json has the settings under "settings".
      writeFileSync(
        settings,
        JSON.stringify({
          settings: {
            cell: "gru",
            layers: 1,
            hidden: 16,
            embed: 8,
            weightDrop: 0.2,
            batch: 4,
            seq: 16,
            lr: 0.01,
            valEvery: 30,
            logEvery: 10,
          },
        }),
      );
      const run = spawnSync(
        python!.path,
        [
          "-m",
          "charrnn_torch",
          "train",
          "--settings",
          settings,
          "--data",
          corpus,
          "--device",
          "cpu",
          "--max-steps",
          "60",
          "--precision",
          precision,
        ],
        {
          env: python!.env,
          encoding: "utf8",
          timeout: 120_000,
        },
      );
      expect(run.status, run.stderr).toBe(0);
      const events = run.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(events[0]).toMatchObject({
        type: "start",
        world: 1,
        precision,
        batch: 4,
        seq: 16,
        config: { cell: "gru", hidden: 16, weightDrop: 0.2 },
      });
      // On CPU the BLAS decides the speed, so the start line names it (python/charrnn_torch/blas.py).
      expect(events[0].blas).toMatch(/^[\w.-]+$/);
      expect(events.filter((e) => e.type === "progress").map((e) => e.step)).toEqual([
        10, 20, 30, 40, 50, 60,
      ]);
      const val = events.filter((e) => e.type === "validation");
      expect(val.map((e) => e.step)).toEqual([30, 60]);
      expect(val[1].valLoss).toBeLessThan(val[0].valLoss);
      expect(events.at(-1)).toMatchObject({ type: "end", step: 60 });
    },
  );
});
