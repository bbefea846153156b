import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BEST_CHECKPOINT, CHECKPOINT_DIR, checkpointFileName, createRng, LOCK_FILE } from "@charrnn/core";
import { decodeSafetensors } from "@charrnn/models";
import { findLatestCheckpoint, listCheckpoints, readCheckpoint } from "@charrnn/trainer";
import { describe, expect, it } from "vitest";
import { runInProcess, tempCorpus } from "../test/harness";
import { spawnCli, spawnWarmCli, TINY_MODEL } from "./spawn-cli";

const KILL_SEED = 20_241_123;
const KILLS = 20;
const KILL_WINDOW_TRIES = 8;

/** Every checkpoint file in the run must decode: atomic writes never leave a torn one behind. */
function expectAllCheckpointsValid(out: string, context: string): void {
  const dir = join(out, CHECKPOINT_DIR);
  for (const { path } of listCheckpoints(dir)) {
    expect(() => readCheckpoint(path), `${context}: ${path}`).not.toThrow();
  }
  if (existsSync(join(dir, BEST_CHECKPOINT))) readCheckpoint(join(dir, BEST_CHECKPOINT));
}

describe("crash safety", () => {
  it(`SIGKILL at ${KILLS} random moments across checkpoint writes never loses the run (seed ${KILL_SEED})`, async () => {
    const { corpus, dir } = tempCorpus("charrnn-crash-", 3000);
    const out = join(dir, "run");
    const rng = createRng(KILL_SEED);
    const common = [...TINY_MODEL, "--checkpoint-every", "1", "--keep-last", "2", "--val-every", "3"];
    let lastStep = 0;
    let kills = 0;
    let next = spawnWarmCli();
    for (let i = 0; i < KILLS; i++) {
      const resuming = listCheckpoints(join(out, CHECKPOINT_DIR)).length > 0;
      const where = resuming ? ["--resume", out] : ["--out", out];
      const child = next;
      // The next process loads while this one trains; it gets its arguments only after this kill.
      if (i + 1 < KILLS) next = spawnWarmCli();
      await child.run(["train", "--data", corpus, ...where, ...common, "--max-steps", "100000"]);
      // Once training writes checkpoints (one per step), kill it a random few milliseconds later, so
      // kills land before, inside and after the temp-file write, fsync, rename and pruning.
      await child.waitForLine(/^step \d+ checkpoint/);
      const delay = rng.nextInt(120);
      await sleep(delay);
      child.process.kill("SIGKILL");
      const { signal } = await child.exited;
      const context = `kill ${i} after ${delay} ms (seed ${KILL_SEED})`;
      if (signal === "SIGKILL") kills++;
      expectAllCheckpointsValid(out, context);
      const warnings: string[] = [];
      const found = findLatestCheckpoint(out, (m) => warnings.push(m));
      expect(found, context).toBeDefined();
      expect(warnings, context).toEqual([]);
      expect(found!.checkpoint.progress.step, context).toBeGreaterThanOrEqual(lastStep);
      lastStep = found!.checkpoint.progress.step;
    }
    expect(kills).toBe(KILLS);
    // A final run resumes the newest checkpoint and completes.
    const target = lastStep + 4;
    const final = await runInProcess([
      "train",
      "--data",
      corpus,
      "--resume",
      out,
      ...common,
      "--max-steps",
      String(target),
    ]);
    expect(final.code, final.stderr).toBe(0);
    expect(final.stderr).toMatch(new RegExp(`resuming from .* at step ${lastStep}`));
    expect(final.stdout).toMatch(new RegExp(`trained ${target} steps`));
    expectAllCheckpointsValid(out, "final run");
    // The metrics log reads as one run: no torn lines, no steps logged twice by the replays.
    const records = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { step: number; trainLoss?: number });
    const trainSteps = records.filter((r) => r.trainLoss !== undefined).map((r) => r.step);
    expect(trainSteps.length).toBeGreaterThan(1);
    for (let i = 1; i < trainSteps.length; i++) expect(trainSteps[i]).toBeGreaterThan(trainSteps[i - 1]!);
    // The killed runs' temp files and stale lock are gone.
    for (const where of [out, join(out, CHECKPOINT_DIR)])
      expect(readdirSync(where).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  }, 150_000);

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} saves a checkpoint at the interrupted step and exits 0; the run resumes from it`, async () => {
      const { corpus, dir } = tempCorpus("charrnn-crash-", 3000);
      const out = join(dir, "run");
      const child = spawnCli([
        "train",
        "--data",
        corpus,
        "--out",
        out,
        ...TINY_MODEL,
        "--checkpoint-every",
        "100000",
        "--max-steps",
        "100000",
      ]);
      await child.waitForLine(/^step \d+ epoch/);
      child.process.kill(signal);
      const { code } = await child.exited;
      expect(code, child.stderr()).toBe(0);
      expect(child.stderr()).toMatch(new RegExp(`${signal} received`));
      const stopped = /stopped at step (\d+) \(interrupted\)/.exec(child.stderr());
      expect(stopped, child.stderr()).not.toBeNull();
      const step = Number(stopped![1]);
      const path = join(out, CHECKPOINT_DIR, checkpointFileName(step));
      expect(readCheckpoint(path).progress.step).toBe(step);
      expect(existsSync(join(out, LOCK_FILE))).toBe(false);
      const resumed = await runInProcess([
        "train",
        "--data",
        corpus,
        "--resume",
        out,
        "--engine",
        "reference",
        "--max-steps",
        String(step + 2),
      ]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).toMatch(
        new RegExp(`resuming from .*${checkpointFileName(step)} at step ${step}`),
      );
      expect(resumed.stdout).toMatch(new RegExp(`trained ${step + 2} steps`));
    }, 60_000);
  }

  it("a second run on the same --out fails fast naming the first run's pid; the first run's checkpoints stay valid", async () => {
    const { corpus, dir } = tempCorpus("charrnn-crash-", 3000);
    const out = join(dir, "run");
    const first = spawnCli([
      "train",
      "--data",
      corpus,
      "--out",
      out,
      ...TINY_MODEL,
      "--checkpoint-every",
      "2",
      "--max-steps",
      "100000",
    ]);
    await first.waitForLine(/^step \d+ checkpoint/);
    const pid = first.process.pid!;
    for (const where of [
      ["--out", out],
      ["--resume", out],
    ]) {
      const started = performance.now();
      const second = await runInProcess([
        "train",
        "--data",
        corpus,
        ...where,
        ...TINY_MODEL,
        "--max-steps",
        "5",
      ]);
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(second.code).toBe(1);
      expect(second.stderr.trim().split("\n")).toHaveLength(1);
      expect(second.stderr).toMatch(new RegExp(`charrnn: outDir ${out} is in use by process ${pid}`));
    }
    first.process.kill("SIGTERM");
    const { code } = await first.exited;
    expect(code, first.stderr()).toBe(0);
    expectAllCheckpointsValid(out, "after a concurrent attempt");
    expect(listCheckpoints(join(out, CHECKPOINT_DIR)).length).toBeGreaterThan(0);
  }, 60_000);

  it("runs started together on a directory with a stale lock: exactly one trains, the others are refused", async () => {
    const { corpus, dir } = tempCorpus("charrnn-crash-", 3000);
    for (let trial = 0; trial < 2; trial++) {
      const out = join(dir, `contended-${trial}`);
      mkdirSync(out);
      const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
      writeFileSync(join(out, LOCK_FILE), `${dead}\n`);
      const takers = Array.from({ length: 4 }, () => spawnWarmCli());
      await Promise.all(takers.map((t) => t.waitForLine(/^warm: ready$/, 120_000)));
      // The winner trains until every taker has either been refused or started training, then is
      // stopped with Ctrl-C: a straggler delayed by a loaded machine must not find the lock released
      // by a winner that already finished (that would be a second, legitimate, run).
      const args = ["train", "--data", corpus, "--out", out, ...TINY_MODEL, "--max-steps", "1000000"];
      await Promise.all(takers.map((t) => t.run(args)));
      await Promise.all(
        takers.map((t) => Promise.race([t.exited, t.waitForLine(/^engine \S+ \(/, 120_000)])),
      );
      for (const t of takers) if (t.process.exitCode === null) t.process.kill("SIGINT");
      const exits = await Promise.all(takers.map((t) => t.exited));
      const codes = exits.map((e) => e.code);
      expect(
        codes.filter((c) => c === 0),
        `trial ${trial}: ${codes}`,
      ).toHaveLength(1);
      takers.forEach((t, i) => {
        if (codes[i] !== 0) expect(t.stderr()).toMatch(new RegExp(`outDir ${out} is in use by process \\d+`));
      });
      expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    }
  }, 150_000);

  it("killed between best.safetensors and model.safetensors: --resume restores model.safetensors = the best checkpoint's weights", async () => {
    const { corpus, dir } = tempCorpus("charrnn-crash-", 3000);
    const out = join(dir, "run");
    const common = [...TINY_MODEL, "--checkpoint-every", "1", "--val-every", "2", "--keep-last", "2"];
    const modelOf = (path: string) => decodeSafetensors(new Uint8Array(readFileSync(path)));
    const bestPath = join(out, CHECKPOINT_DIR, BEST_CHECKPOINT);
    /** Whether model.safetensors holds the weights of best.safetensors. */
    const inSync = (): boolean => {
      const best = readCheckpoint(bestPath);
      const model = modelOf(join(out, "model.safetensors")).tensors;
      return [...best.params].every(
        ([name, t]) =>
          Buffer.compare(Buffer.from(t.data.buffer), Buffer.from(model.get(name)!.data.buffer)) === 0,
      );
    };
    // SIGKILL the moment a new best checkpoint is reported: model.safetensors is written right after.
    // Tries stop at the first kill that leaves an older model.safetensors beside a newer best: the
    // state the resume below must repair (a later try could miss the window and leave them in step).
    let hits = 0;
    let next = spawnWarmCli();
    for (let i = 0; i < KILL_WINDOW_TRIES; i++) {
      const child = next;
      next = spawnWarmCli();
      const where = i === 0 ? ["--out", out] : ["--resume", out];
      await child.run(["train", "--data", corpus, ...where, ...common, "--max-steps", "100000"]);
      await child.waitForLine(/^step \d+ checkpoint .* \(best\)$/);
      child.process.kill("SIGKILL");
      await child.exited;
      const written = existsSync(join(out, "model.safetensors"));
      const synced = written && inSync();
      if (!synced) hits++;
      if (written && !synced) break;
    }
    next.process.kill("SIGKILL");
    await next.exited;
    // The parent's kill lands before the child's model write (fsyncs included) finishes: seen 8 of 8.
    expect(hits).toBeGreaterThan(0);
    expect(inSync()).toBe(false);
    // Resuming (here with nothing left to train) first puts the best weights back in model.safetensors.
    const step = findLatestCheckpoint(out)!.checkpoint.progress.step;
    const resumed = await runInProcess([
      "train",
      "--data",
      corpus,
      "--resume",
      out,
      "--engine",
      "reference",
      "--max-steps",
      String(step),
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(
      /model\.safetensors did not hold the best checkpoint's weights .*; restored it/,
    );
    expect(inSync()).toBe(true);
    const best = readCheckpoint(bestPath);
    const training = JSON.parse(modelOf(join(out, "model.safetensors")).metadata!.training!);
    expect(training).toMatchObject({ step: best.progress.step, valLoss: best.validation.bestLoss });
  }, 150_000);
});
