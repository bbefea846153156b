import { spawn } from "node:child_process";
import { chmodSync, cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHECKPOINT_DIR, checkpointFileName, isCharrnnError } from "@charrnn/core";
import { freePort } from "@charrnn/core/node";
import { maxRelativeError } from "@charrnn/models";
import { type Checkpoint, findTorchPython, readCheckpoint } from "@charrnn/trainer";
import { describe, expect, it } from "vitest";
import { repoRoot, runInProcess, tempCorpus } from "../test/harness";

/** The interpreter the tests use; CI sets CHARRNN_REQUIRE_TORCH=1 so that a missing torch fails. */
function torchPython(): string | undefined {
  try {
    return findTorchPython().path;
  } catch (error) {
    if (process.env.CHARRNN_REQUIRE_TORCH === "1" || !isCharrnnError(error)) throw error;
    console.warn(`torch CLI tests skipped: ${(error as Error).message}`);
    return undefined;
  }
}

const python = torchPython();
const entry = fileURLToPath(new URL("../charrnn.ts", import.meta.url));

/** A tiny model on a short corpus: 2 lstm layers of 12, batch 4 × seq 12, Adam, validation every 10 steps. */
const TINY = [
  "--cell",
  "lstm",
  "--layers",
  "2",
  "--hidden",
  "12",
  "--embed",
  "6",
  "--batch",
  "4",
  "--seq",
  "12",
];
const EVERY_10 = ["--val-every", "10", "--checkpoint-every", "10", "--keep-last", "5"];

function corpus(): { dir: string; data: string } {
  const { dir, corpus: data } = tempCorpus("charrnn-torch-", 6000);
  return { dir, data };
}

async function train(args: string[]): Promise<string> {
  const result = await runInProcess(["train", ...args]);
  expect(result.code, result.stderr).toBe(0);
  return result.stderr;
}

function ckpt(out: string, step: number): Checkpoint {
  return readCheckpoint(join(out, CHECKPOINT_DIR, checkpointFileName(step)));
}

function expectSameRun(a: Checkpoint, b: Checkpoint, tol: number): void {
  expect(b.progress.step).toBe(a.progress.step);
  expect(b.progress.epoch).toBe(a.progress.epoch);
  expect(b.progress.window).toBe(a.progress.window);
  expect(b.progress.tokens).toBe(a.progress.tokens);
  expect(b.optimizer.step).toBe(a.optimizer.step);
  for (const [name, t] of a.params)
    expect(maxRelativeError(b.params.get(name)!.data, t.data), name).toBeLessThan(tol);
  for (const [key, slot] of a.optimizer.slots)
    expect(maxRelativeError(b.optimizer.slots.get(key)!, slot), key).toBeLessThan(tol);
  expect(maxRelativeError(b.carried!.h, a.carried!.h)).toBeLessThan(tol);
}

// Each torch run spends seconds starting Python and importing torch (more on a loaded machine).
describe.skipIf(python === undefined)("train --engine torch", { timeout: 300_000 }, () => {
  const torch = ["--engine", "torch", "--device", "cpu", "--python", python!];

  it("2 gloo processes, and 2 nodes of 1 process on 127.0.0.1, equal 1 process with the same global batch after 20 steps", async () => {
    const { dir, data } = corpus();
    const common = ["--data", data, ...TINY, ...EVERY_10, "--max-steps", "20", ...torch];
    const one = join(dir, "one");
    const two = join(dir, "two");
    await train([...common, "--out", one]);
    await train([...common, "--out", two, "--nproc", "2"]);
    expect(readFileSync(join(two, "config.json"), "utf8")).toMatch(/2 processes/);
    expectSameRun(ckpt(one, 20), ckpt(two, 20), 1e-5);

    // Two "nodes": the same command on each, node 1 without an output directory of its own.
    const port = String(await freePort());
    const nodes = join(dir, "nodes");
    const multi = [...common, "--nnodes", "2", "--master-addr", "127.0.0.1", "--master-port", port];
    const node1 = runChild([...multi, "--node-rank", "1"]);
    await train([...multi, "--node-rank", "0", "--out", nodes]);
    const follower = await node1;
    expect(follower.code, follower.stderr).toBe(0);
    expect(follower.stdout).toMatch(/node 1: training finished \(2 processes/);
    expectSameRun(ckpt(one, 20), ckpt(nodes, 20), 1e-5);
  });

  it("a run moves between engines both ways: ort → torch and torch → ort continue as the same engine would", async () => {
    const { dir, data } = corpus();
    const common = ["--data", data, ...TINY, ...EVERY_10];
    const ort = ["--engine", "ort"];
    // ort to step 10; then on to 20 with ort and, from a copy, with torch.
    const ortRun = join(dir, "ort");
    await train([...common, ...ort, "--out", ortRun, "--max-steps", "10"]);
    const ortToTorch = join(dir, "ort-torch");
    cpSync(ortRun, ortToTorch, { recursive: true });
    await train([...common, ...ort, "--resume", ortRun, "--max-steps", "20"]);
    await train([...common, ...torch, "--resume", ortToTorch, "--max-steps", "20"]);
    expectSameRun(ckpt(ortRun, 20), ckpt(ortToTorch, 20), 1e-3);
    // torch to step 10; then on to 20 with torch and, from a copy, with ort.
    const torchRun = join(dir, "torch");
    await train([...common, ...torch, "--out", torchRun, "--max-steps", "10"]);
    const torchToOrt = join(dir, "torch-ort");
    cpSync(torchRun, torchToOrt, { recursive: true });
    await train([...common, ...ort, "--resume", torchToOrt, "--max-steps", "20"]);
    await train([...common, ...torch, "--resume", torchRun, "--max-steps", "20"]);
    expectSameRun(ckpt(torchRun, 20), ckpt(torchToOrt, 20), 1e-3);
    // Same metrics log as any engine's: progress, validation and best-model lines.
    const lines = readFileSync(join(torchRun, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.trainLoss !== undefined).map((l) => l.step)).toEqual([10, 20]);
    expect(lines.filter((l) => l.valLoss !== undefined).map((l) => l.step)).toEqual([10, 20]);

    // The torch-trained model samples and exports like any other.
    const sample = await runInProcess(["sample", "--model", torchRun, "--length", "40", "--seed", "1"]);
    expect(sample.code, sample.stderr).toBe(0);
    expect(sample.stdout.length).toBeGreaterThan(20);
    const onnx = join(dir, "model.onnx");
    const exported = await runInProcess(["export", "--model", torchRun, "--onnx", onnx]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(existsSync(onnx)).toBe(true);
  });

  it("--precision bf16 trains the float32 run fp32 trains, to bfloat16's rounding, and says so in its engine line", async () => {
    const { dir, data } = corpus();
    const common = ["--data", data, ...TINY, ...EVERY_10, "--max-steps", "20", ...torch];
    const fp32 = join(dir, "fp32");
    const bf16 = join(dir, "bf16");
    await train([...common, "--out", fp32]);
    const log = await train([...common, "--out", bf16, "--precision", "bf16"]);
    expect(log).toMatch(/^torch engine: .+, bf16 mixed precision\)$/m);
    expect(readFileSync(join(bf16, "config.json"), "utf8")).toMatch(/bf16 mixed precision/);
    const a = ckpt(fp32, 20);
    const b = ckpt(bf16, 20);
    let moved = 0;
    for (const [name, t] of a.params) {
      const other = b.params.get(name)!.data;
      expect(other).toBeInstanceOf(Float32Array);
      moved = Math.max(moved, maxRelativeError(other, t.data));
    }
    expect(moved).toBeGreaterThan(1e-5);
    const val = (run: string) =>
      readFileSync(join(run, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .filter((l) => l.valLoss !== undefined && l.step === 20)[0].valLoss as number;
    expect(Math.abs(val(bf16) - val(fp32))).toBeLessThan(0.02);
  });

  it("Ctrl-C (SIGINT to the whole process group) checkpoints the step in progress and exits 0", async () => {
    const { dir, data } = corpus();
    const out = join(dir, "run");
    const child = runChild(["--data", data, ...TINY, ...torch, "--out", out, "--max-steps", "100000"], {
      untilLine: /^step \d+ epoch/,
      onLine: (pid) => process.kill(-pid, "SIGINT"),
    });
    const { code, stderr } = await child;
    expect(code, stderr).toBe(0);
    const stopped = /stopped at step (\d+) \(interrupted\)/.exec(stderr);
    expect(stopped, stderr).not.toBeNull();
    expect(ckpt(out, Number(stopped![1])).progress.step).toBe(Number(stopped![1]));
  });

  it("a huge learning rate diverges as on the other engines: exit 1, the last good checkpoint named and kept; rollback halves the rate", async () => {
    const { dir, data } = corpus();
    const huge = ["--data", data, ...TINY, ...torch, "--val-fraction", "0", "--checkpoint-every", "1"];
    const overflow = ["--optimizer", "adam", "--lr", "1e38", "--clip", "0", "--max-steps", "30"];
    const out = join(dir, "diverge");
    const result = await runInProcess(["train", ...huge, ...overflow, "--out", out]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/\(diverged\)/);
    const match = /training diverged .* at step (\d+); the last good checkpoint (\S+) is kept/.exec(
      result.stderr,
    );
    expect(match, result.stderr).not.toBeNull();
    const good = readCheckpoint(match![2]!);
    for (const t of good.params.values()) expect(t.data.every(Number.isFinite)).toBe(true);
    // With rollback, the torch workers take the checkpoint's weights and moments back.
    const back = join(dir, "rollback");
    const rolled = await runInProcess([
      "train",
      ...huge,
      ...overflow,
      "--out",
      back,
      "--on-diverge",
      "rollback",
      "--max-rollbacks",
      "2",
    ]);
    expect(rolled.stderr).toMatch(/rolled back to checkpoint step \d+ and halved the learning rate/);
  });

  it("bad --nproc, --device, --batch splits and misplaced torch flags are one-line usage errors", async () => {
    const { dir, data } = corpus();
    const out = join(dir, "run");
    const cases: [string[], RegExp][] = [
      [["--nproc", "0"], /--nproc must be ≥ 1, got 0/],
      [["--nproc", "two"], /--nproc must be a number/],
      [["--nproc", "3"], /--batch 4 does not split over 3 torch processes/],
      [["--device", "gpu"], /--device must be one of cpu, cuda, mps/],
      [["--precision", "fp16"], /--precision must be one of fp32, bf16/],
      [["--nnodes", "2"], /--nnodes > 1 needs --master-port/],
      [
        ["--nnodes", "2", "--master-port", "1234", "--node-rank", "2"],
        /--node-rank must be ≥ 0 and ≤ 1, got 2/,
      ],
    ];
    for (const [flags, message] of cases) {
      const result = await runInProcess(["train", "--data", data, "--out", out, ...TINY, ...torch, ...flags]);
      expect(result.code, flags.join(" ")).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    const misplaced = await runInProcess(["train", "--data", data, "--out", out, "--nproc", "2"]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(/--nproc applies to --engine torch/);
    const bf16 = await runInProcess(["train", "--data", data, "--out", out, "--precision", "bf16"]);
    expect(bf16.code).toBe(2);
    expect(bf16.stderr).toMatch(
      /--precision applies to --engine torch; add --engine torch or drop --precision/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("no Python, or a Python without torch, is a one-line error naming the interpreter and the install", async () => {
    const { dir, data } = corpus();
    const fake = join(dir, "python-without-torch");
    writeFileSync(fake, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'torch'\" >&2\nexit 1\n");
    chmodSync(fake, 0o755);
    for (const [interpreter, why] of [
      [join(dir, "no-such-python"), /no-such-python \(not found\)/],
      [fake, /python-without-torch \(ModuleNotFoundError: No module named 'torch'\)/],
    ] as const) {
      const result = await runInProcess([
        "train",
        "--data",
        data,
        "--out",
        join(dir, "run"),
        ...TINY,
        "--engine",
        "torch",
        "--python",
        interpreter,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(why);
      expect(result.stderr).toMatch(/pip install torch/);
    }
  });
});

/** The CLI in a child process (its own process group), optionally signalled once a stderr line matches. */
function runChild(
  args: string[],
  options: { untilLine?: RegExp; onLine?: (pid: number) => void } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@charrnn/source", "--import", "tsx", entry, "train", ...args],
    {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let stdout = "";
  let stderr = "";
  let signalled = false;
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
    if (
      !signalled &&
      options.untilLine !== undefined &&
      stderr.split("\n").some((l) => options.untilLine!.test(l))
    ) {
      signalled = true;
      options.onLine?.(child.pid!);
    }
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}
