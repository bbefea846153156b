import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { walkImports } from "../../../test-fixtures/import-graph";
import { LR_SCHEDULE_KINDS, OPTIMIZER_KINDS } from "./names";
import { mergeTrainOptions } from "./presets/merge-options";
import { type LrScheduleConfig, validateLrSchedule } from "./schedule/lr-schedule";

const srcDir = dirname(fileURLToPath(import.meta.url));

describe("@charrnn/trainer/names", () => {
  it("reaches only the modules that own the lists and @charrnn/core, no engine", () => {
    const { reached } = walkImports(join(srcDir, "names.ts"), srcDir);
    const own = reached.filter((f) => !f.includes("/core/src/"));
    expect(own.sort()).toEqual([
      "engine/torch/precisions.ts",
      "loop/setting-kinds.ts",
      "names.ts",
      "optim/config.ts",
      "schedule/lr-schedule.ts",
    ]);
  });

  it("lists names the settings accept", () => {
    for (const kind of OPTIMIZER_KINDS) {
      expect(mergeTrainOptions(undefined, undefined, { optimizer: kind }).optimizer.kind).toBe(kind);
    }
    // Each schedule kind is known: a bad one is refused naming the kind, not a missing parameter.
    for (const kind of LR_SCHEDULE_KINDS) {
      expect(() => validateLrSchedule({ kind } as LrScheduleConfig)).not.toThrow(/lrSchedule\.kind/);
    }
    expect(() => validateLrSchedule({ kind: "step" } as never)).toThrow(/lrSchedule\.kind/);
  });
});
