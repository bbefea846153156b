import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, runInProcess } from "./test/harness";

const shakespeare = readFileSync(fixture("tinyshakespeare.txt"), "utf8");

describe("train: learning-rate schedules, warm-up, patience and input dropout from flags", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-control-"));
  const corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, shakespeare.slice(0, 1500));
  const tiny = ["--engine", "reference", "--cell", "gru", "--layers", "1", "--hidden", "8", "--embed", "4"];
  const window = ["--seq", "8", "--batch", "2", "--seed", "5", "--val-every", "2"];
  const train = (out: string, ...flags: string[]) =>
    runInProcess(["train", "--data", corpus, "--out", join(dir, out), ...tiny, ...window, ...flags]);
  const metrics = (out: string) =>
    readFileSync(join(dir, out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, number>);

  const curves = {
    cosine: (p: number) => (1 + Math.cos(Math.PI * p)) / 2,
    linear: (p: number) => 1 - p,
  };
  it.each(["cosine", "linear"] as const)(
    "--lr-schedule %s --warmup-steps: the logged rates warm up, then fall to --min-lr at --max-steps",
    async (kind) => {
      const r = await train(
        kind,
        "--lr",
        "0.01",
        "--lr-schedule",
        kind,
        "--min-lr",
        "0.001",
        "--warmup-steps",
        "2",
        "--max-steps",
        "40",
      );
      expect(r.code).toBe(0);
      // A metrics line every 10 steps holds the rate of the update it ends with.
      const logged = metrics(kind).filter((m) => m.trainLoss !== undefined);
      const rate = (s: number) => (0.001 + 0.009 * curves[kind](s / 40)) * Math.min(1, (s + 1) / 2);
      expect(logged.map((m) => m.step)).toEqual([10, 20, 30, 40]);
      for (const m of logged) expect(m.lr).toBeCloseTo(rate(m.step! - 1), 12);
      expect(rate(40)).toBeCloseTo(0.001, 15);
      const config = JSON.parse(readFileSync(join(dir, kind, "config.json"), "utf8"));
      expect(config.settings.lrSchedule).toEqual({ kind, minLr: 0.001 });
      expect(config.settings.warmupSteps).toBe(2);
    },
  );

  it("--lr-schedule decay --lr-decay --lr-decay-after, and parameters alone tune a preset's schedule", async () => {
    const r = await train(
      "decay",
      "--lr-schedule",
      "decay",
      "--lr-decay",
      "0.5",
      "--lr-decay-after",
      "1",
      "--max-steps",
      "2",
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "decay", "config.json"), "utf8")).settings.lrSchedule).toEqual({
      kind: "decay",
      factor: 0.5,
      after: 1,
    });
    // The shakespeare preset's plateau schedule, with a new floor and patience.
    const tuned = await train(
      "tuned",
      "--preset",
      "shakespeare",
      "--min-lr",
      "0.0001",
      "--lr-patience",
      "3",
      "--max-steps",
      "1",
      "--time-budget",
      "0",
    );
    expect(tuned.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "tuned", "config.json"), "utf8")).settings.lrSchedule).toEqual({
      kind: "plateau",
      factor: 0.5,
      patience: 3,
      minLr: 0.0001,
    });
  });

  it("--patience stops the run when validations stop improving by --min-delta", async () => {
    // A huge min-delta: no validation after the first counts as an improvement.
    const r = await train("patience", "--patience", "2", "--min-delta", "100", "--max-steps", "50");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/trained 6 steps .*\(early-stopped\)/);
  });

  it("--input-dropout, --weight-drop and --dropout-mode train and are stored in the model config", async () => {
    const r = await train(
      "indrop",
      ...["--input-dropout", "0.3", "--weight-drop", "0.25", "--dropout", "0.1", "--dropout-mode", "locked"],
      ...["--max-steps", "2"],
    );
    expect(r.code).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, "indrop", "config.json"), "utf8"));
    expect(config.model.inputDropout).toBe(0.3);
    expect(config.settings.inputDropout).toBe(0.3);
    expect(config.model.weightDrop).toBe(0.25);
    expect(config.settings.weightDrop).toBe(0.25);
    expect(config.model.dropoutMode).toBe("locked");
    expect(config.settings.dropoutMode).toBe("locked");
  });

  it("refuses bad values naming the flag", async () => {
    const cases: [string[], RegExp][] = [
      [["--lr-schedule", "step"], /--lr-schedule must be one of constant, decay, plateau, cosine, linear/],
      [["--lr-schedule", "decay"], /--lr-decay must be in \(0, 1\]/],
      [["--lr-schedule", "cosine", "--lr-decay", "0.5"], /--lr-decay must be unset with the cosine schedule/],
      [["--warmup-steps", "-1"], /--warmup-steps must be ≥ 0/],
      [["--min-delta", "-1"], /--min-delta must be a finite number ≥ 0/],
      [["--input-dropout", "1"], /--input-dropout must be in \[0, 1\)/],
      [["--weight-drop", "-0.1"], /--weight-drop must be in \[0, 1\)/],
      [["--dropout-mode", "variational"], /--dropout-mode must be one of step, locked/],
      [["--input", "onehot", "--input-dropout", "0.2"], /--input-dropout must be 0 with input "onehot"/],
    ];
    for (const [flags, message] of cases) {
      const r = await train("bad", ...flags);
      expect(r.code, flags.join(" ")).toBe(2);
      expect(r.stderr, flags.join(" ")).toMatch(message);
    }
  });
});
