import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { CharrnnError, CharrnnRangeError } from "@charrnn/core";
import { freePort } from "@charrnn/core/node";
import type { TorchPython } from "./find-python";

/** Where this machine's workers sit in the job (torchrun's flags). */
export interface TorchTopology {
  /** Worker processes on this machine. */
  nproc: number;
  /** Machines in the job. @defaultValue 1 */
  nnodes?: number;
  /** This machine's index, 0 … nnodes−1; node 0 runs rank 0 (the one the CLI drives). @defaultValue 0 */
  nodeRank?: number;
  /** Address of node 0. @defaultValue "127.0.0.1" */
  masterAddr?: string;
  /** Port of the rendezvous on node 0; a free one is picked for a one-machine job. */
  masterPort?: number;
}

export interface LaunchedWorkers {
  /** Global rank 0 (on node 0 only): stdin/stdout carry the protocol. */
  rank0: ChildProcess | undefined;
  all: ChildProcess[];
  worldSize: number;
  /** Resolves when every worker has exited, with each one's exit code (null: killed by a signal). */
  exited: Promise<(number | null)[]>;
  /** The last lines each worker wrote to stderr, for error messages. */
  stderrTail(): string;
  kill(): void;
}

/** Checks the flags of a topology; bad values are usage errors naming the flag. */
export function checkTopology(
  t: TorchTopology,
): Required<Omit<TorchTopology, "masterPort">> & { masterPort?: number } {
  const nnodes = t.nnodes ?? 1;
  const nodeRank = t.nodeRank ?? 0;
  if (!(Number.isSafeInteger(t.nproc) && t.nproc >= 1))
    throw new CharrnnRangeError("--nproc", "an integer ≥ 1", t.nproc);
  if (!(Number.isSafeInteger(nnodes) && nnodes >= 1))
    throw new CharrnnRangeError("--nnodes", "an integer ≥ 1", nnodes);
  if (!(Number.isSafeInteger(nodeRank) && nodeRank >= 0 && nodeRank < nnodes)) {
    throw new CharrnnRangeError(
      "--node-rank",
      `an integer in [0, ${nnodes - 1}] (--nnodes ${nnodes})`,
      nodeRank,
    );
  }
  if (nnodes > 1 && t.masterPort === undefined) {
    throw new CharrnnError(
      "CLI_USAGE",
      "--nnodes > 1 needs --master-port PORT (and --master-addr HOST of node 0), the same on every node",
    );
  }
  const port = t.masterPort;
  if (port !== undefined && !(Number.isSafeInteger(port) && port >= 1 && port <= 65535)) {
    throw new CharrnnRangeError("--master-port", "a port in [1, 65535]", port);
  }
  return {
    nproc: t.nproc,
    nnodes,
    nodeRank,
    masterAddr: t.masterAddr ?? "127.0.0.1",
    ...(port !== undefined && { masterPort: port }),
  };
}

/**
 * The thread count each of `nproc` workers on a machine gets, as torchrun sets it: without it every
 * worker starts OpenMP and BLAS pools as wide as the machine, and they fight for the cores (two
 * workers of a 2×512 LSTM on 2 cores: 3,498 chars/s, and 5,356 with one thread each; 2026-12-03).
 * torchrun gives 1; this gives each worker its share of the cores. A value the user set is kept.
 */
export function workerThreadEnv(
  env: NodeJS.ProcessEnv,
  nproc: number,
  cores = availableParallelism(),
): NodeJS.ProcessEnv {
  if (nproc <= 1 || env.OMP_NUM_THREADS !== undefined) return {};
  // OpenMP (torch's CPU ops) reads it, and so do OpenBLAS and MKL when their own variable is unset.
  return { OMP_NUM_THREADS: String(Math.max(1, Math.floor(cores / nproc))) };
}

/**
 * Starts this machine's workers (`python -m charrnn_torch serve`) with torchrun's env:// contract:
 * MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK, LOCAL_WORLD_SIZE. (Debian's torch 1.13
 * `torchrun` crashes on Python 3.11, and the contract is all a worker needs.)
 */
export async function launchWorkers(
  python: TorchPython,
  topology: TorchTopology,
  device: string | undefined,
): Promise<LaunchedWorkers> {
  const t = checkTopology(topology);
  const worldSize = t.nproc * t.nnodes;
  const port = t.masterPort ?? (worldSize > 1 ? await freePort() : 0);
  const loopback = t.masterAddr === "127.0.0.1" || t.masterAddr === "localhost";
  const all: ChildProcess[] = [];
  const tails: string[][] = [];
  for (let local = 0; local < t.nproc; local++) {
    const rank = t.nodeRank * t.nproc + local;
    const env: NodeJS.ProcessEnv = {
      ...python.env,
      ...workerThreadEnv(python.env, t.nproc),
      MASTER_ADDR: t.masterAddr,
      MASTER_PORT: String(port),
      WORLD_SIZE: String(worldSize),
      RANK: String(rank),
      LOCAL_RANK: String(local),
      LOCAL_WORLD_SIZE: String(t.nproc),
      PYTHONUNBUFFERED: "1",
    };
    // gloo binds to the interface the hostname resolves to, which a container may not route;
    // a loopback job pins it to loopback.
    if (loopback && env.GLOO_SOCKET_IFNAME === undefined)
      env.GLOO_SOCKET_IFNAME = process.platform === "darwin" ? "lo0" : "lo";
    const args = ["-m", "charrnn_torch", "serve", ...(device !== undefined ? ["--device", device] : [])];
    const child = spawn(python.path, args, {
      env,
      stdio: [rank === 0 ? "pipe" : "ignore", rank === 0 ? "pipe" : "ignore", "pipe"],
    });
    const tail: string[] = [];
    tails.push(tail);
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      for (const line of text.split("\n")) if (line.trim() !== "") tail.push(line.trimEnd());
      if (tail.length > 20) tail.splice(0, tail.length - 20);
    });
    all.push(child);
  }
  const exited = Promise.all(
    all.map(
      (child) =>
        new Promise<number | null>((resolve) => {
          if (child.exitCode !== null) resolve(child.exitCode);
          child.once("error", () => resolve(1));
          child.once("exit", (code) => resolve(code));
        }),
    ),
  );
  return {
    rank0: t.nodeRank === 0 ? all[0] : undefined,
    all,
    worldSize,
    exited,
    stderrTail: () => {
      const lines = tails.flatMap((tail, i) => tail.map((line) => `[local rank ${i}] ${line}`));
      return lines.slice(-8).join("\n");
    },
    // SIGKILL: the workers ignore SIGINT and SIGTERM (serve.py).
    kill: () => {
      for (const child of all)
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
