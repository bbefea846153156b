import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { CHECKPOINT_DIR, checkpointFileName, LOCK_FILE } from "@charrnn/core";
import type { AtomicWriteFs } from "@charrnn/core/node";
import { listCheckpoints, readCheckpoint } from "@charrnn/trainer";
import { describe, expect, it, vi } from "vitest";
import { runInProcess, tempCorpus } from "../test/harness";
import { TINY_MODEL } from "./spawn-cli";

/**
 * The simulated disk: writes to files whose name matches `full` fail once `writesLeft` of them are
 * done (half-way through the buffer, as a real full disk does).
 */
const disk = vi.hoisted(() => ({ writesLeft: Number.POSITIVE_INFINITY, full: /ckpt-|best/ }));

// The CLI builds the train options itself; wrap `train` so its file writes (lock, config, metrics,
// checkpoints) go through a file system that runs out of space.
vi.mock("@charrnn/trainer", async (importOriginal) => {
  const real = await importOriginal<typeof import("@charrnn/trainer")>();
  const paths = new Map<number, string>();
  const fullDisk: AtomicWriteFs = {
    openSync: ((
      path: string,
      ...rest: Parameters<typeof openSync> extends [unknown, ...infer R] ? R : never
    ) => {
      const fd = openSync(path, ...rest);
      paths.set(fd, path);
      return fd;
    }) as typeof openSync,
    fsyncSync,
    closeSync,
    renameSync,
    rmSync,
    writeSync(fd, data, offset, length) {
      if (!disk.full.test(paths.get(fd) ?? "") || disk.writesLeft > 0) {
        if (disk.full.test(paths.get(fd) ?? "")) disk.writesLeft--;
        return writeSync(fd, data, offset, length);
      }
      writeSync(fd, data, offset, Math.floor(length / 2));
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    },
  };
  return {
    ...real,
    train: (options: Parameters<typeof real.train>[0]) => real.train({ ...options, checkpointFs: fullDisk }),
  };
});

const { dir, corpus } = tempCorpus("charrnn-disk-", 3000);

describe("disk full during checkpointing", () => {
  it("stops with a one-line error naming the directory; the previous checkpoint survives, no partial file", async () => {
    const out = join(dir, "full");
    const ckptDir = join(out, CHECKPOINT_DIR);
    // Steps 2 and 4 are written, step 6 hits the full disk (no validation: one file per checkpoint).
    disk.writesLeft = 2;
    const flags = [...TINY_MODEL, "--val-fraction", "0", "--checkpoint-every", "2"];
    const result = await runInProcess([
      "train",
      "--data",
      corpus,
      "--out",
      out,
      ...flags,
      "--max-steps",
      "10",
    ]);
    expect(result.code).toBe(1);
    const last = result.stderr.trim().split("\n").at(-1)!;
    expect(last).toBe(
      `charrnn: cannot write the step 6 checkpoint in ${ckptDir}: disk full (ENOSPC); free some space, then --resume (earlier checkpoints are intact)`,
    );
    expect(readdirSync(ckptDir).sort()).toEqual([checkpointFileName(2), checkpointFileName(4)]);
    expect(readCheckpoint(join(ckptDir, checkpointFileName(4))).progress.step).toBe(4);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);

    // Space freed: the run resumes from step 4 and finishes.
    disk.writesLeft = Number.POSITIVE_INFINITY;
    const resumed = await runInProcess([
      "train",
      "--data",
      corpus,
      "--resume",
      out,
      ...flags,
      "--max-steps",
      "10",
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/at step 4/);
    expect(listCheckpoints(ckptDir)[0]?.step).toBe(10);
  });
});

describe("disk full before the first checkpoint", () => {
  const cases: [string, RegExp, (out: string) => RegExp][] = [
    [
      "the lock",
      /train\.lock/,
      (out) =>
        new RegExp(`^charrnn: cannot create ${out}/train\\.lock: disk full \\(ENOSPC\\); free some space$`),
    ],
    [
      "config.json",
      /config\.json/,
      (out) =>
        new RegExp(
          `^charrnn: cannot write ${out}/config\\.json: disk full \\(ENOSPC\\); free some space, then run`,
        ),
    ],
    [
      "metrics.jsonl",
      /metrics\.jsonl/,
      (out) =>
        new RegExp(
          `^charrnn: cannot write ${out}/metrics\\.jsonl: disk full \\(ENOSPC\\); free some space, then`,
        ),
    ],
  ];
  for (const [what, full, message] of cases) {
    it(`a full disk when writing ${what} is one line naming that file; no empty lock or temp file is left`, async () => {
      const out = join(dir, `full-${cases.findIndex((c) => c[0] === what)}`);
      disk.full = full;
      disk.writesLeft = 0;
      const result = await runInProcess([
        "train",
        "--data",
        corpus,
        "--out",
        out,
        ...TINY_MODEL,
        "--max-steps",
        "4",
        "--val-every",
        "1",
      ]);
      disk.full = /ckpt-|best/;
      disk.writesLeft = Number.POSITIVE_INFINITY;
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split("\n");
      expect(lines.at(-1), result.stderr).toMatch(message(out));
      expect(readdirSync(out).filter((name) => name.includes("lock") || name.endsWith(".tmp"))).toEqual([]);
    });
  }
});

describe("divergence", () => {
  /** A run that overflows within a few updates (adam at lr 1e38, unclipped), a checkpoint every step. */
  const hugeLrRun = (out: string) => [
    "train",
    "--data",
    corpus,
    "--out",
    out,
    ...TINY_MODEL,
    "--val-fraction",
    "0",
    "--checkpoint-every",
    "1",
    "--optimizer",
    "adam",
    "--lr",
    "1e38",
    "--clip",
    "0",
    "--max-steps",
    "50",
  ];

  it("a huge learning rate stops the run with exit 1, naming the last good checkpoint, which loads", async () => {
    const out = join(dir, "diverge");
    disk.writesLeft = Number.POSITIVE_INFINITY;
    const result = await runInProcess(hugeLrRun(out));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\(diverged\)/);
    const last = result.stderr.trim().split("\n").at(-1)!;
    const match = /^charrnn: training diverged .* at step (\d+); the last good checkpoint (\S+) is kept/.exec(
      last,
    );
    expect(match, result.stderr).not.toBeNull();
    const good = readCheckpoint(match![2]!);
    expect(good.progress.step).toBeLessThanOrEqual(Number(match![1]));
    for (const t of good.params.values()) expect(t.data.every(Number.isFinite)).toBe(true);
    // Nothing newer than the last good checkpoint was written.
    expect(listCheckpoints(join(out, CHECKPOINT_DIR))[0]?.path).toBe(match![2]);
  });

  it("a learning rate that drives the loss to millions of nats without overflowing is divergence too", async () => {
    const out = join(dir, "runaway");
    disk.writesLeft = Number.POSITIVE_INFINITY;
    const flags = ["--val-fraction", "0.1", "--val-every", "10", "--checkpoint-every", "10"];
    const result = await runInProcess([
      "train",
      "--data",
      corpus,
      "--out",
      out,
      ...TINY_MODEL,
      ...flags,
      "--lr",
      "1e6",
      "--max-steps",
      "40",
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /nats, over [\d.]+: 10 × ln V, at least 10, where ln V is a uniform guess's loss/,
    );
    expect(result.stdout).toMatch(/\(diverged\)/);
    // No runaway weights were published as the best model.
    const best = /best val loss ([\d.]+|none)/.exec(result.stdout)![1]!;
    if (best !== "none") expect(Number(best)).toBeLessThan(10 * Math.log(40));
  });

  it("--on-diverge rollback retries from the last checkpoint with half the lr, then stops after --max-rollbacks", async () => {
    const out = join(dir, "rollback");
    disk.writesLeft = Number.POSITIVE_INFINITY;
    const result = await runInProcess([
      ...hugeLrRun(out),
      "--on-diverge",
      "rollback",
      "--max-rollbacks",
      "2",
    ]);
    expect(result.code, result.stderr).toBe(1);
    const warnings = result.stderr.split("\n").filter((l) => l.startsWith("warning: "));
    expect(warnings, result.stderr).toEqual([
      expect.stringMatching(
        /rolled back to checkpoint step \d+ and halved the learning rate \(scale 0\.5, rollback 1 of 2\)$/,
      ),
      expect.stringMatching(
        /rolled back to checkpoint step \d+ and halved the learning rate \(scale 0\.25, rollback 2 of 2\)$/,
      ),
      expect.stringMatching(/; no rollbacks left \(2 used\); keeping the last good checkpoint/),
    ]);
    expect(result.stdout).toMatch(/\(diverged\); .*; 2 divergence rollbacks \(learning rate × 0\.25\)/);
    const last = result.stderr.trim().split("\n").at(-1)!;
    const match = /^charrnn: training diverged .* the last good checkpoint (\S+) is kept/.exec(last);
    expect(match, result.stderr).not.toBeNull();
    const good = readCheckpoint(match![1]!);
    for (const t of good.params.values()) expect(t.data.every(Number.isFinite)).toBe(true);
    expect(listCheckpoints(join(out, CHECKPOINT_DIR))[0]?.path).toBe(match![1]);
  });
});
