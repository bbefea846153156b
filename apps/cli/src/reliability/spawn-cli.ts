import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { repoRoot } from "../test/harness";

const entry = fileURLToPath(new URL("../charrnn.ts", import.meta.url));
const warmEntry = fileURLToPath(new URL("./warm-cli.ts", import.meta.url));

/** A `charrnn` child process whose stderr can be awaited line by line (for signal and kill tests). */
export interface CliChild {
  readonly process: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  stdout(): string;
  /** Resolves once a stderr line matches `pattern` (rejects if the process exits first). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (`null` when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the real binary from source, like `runBinary`, but without waiting for it. */
export function spawnCli(args: string[]): CliChild {
  return watch(
    spawn(process.execPath, ["--conditions=@charrnn/source", "--import", "tsx", entry, ...args], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
}

/** A pre-loaded CLI process (see warm-cli.ts) waiting for its arguments. */
export interface WarmCli extends CliChild {
  /** Waits until loaded, then hands over the arguments. */
  run(args: string[]): Promise<void>;
}

export function spawnWarmCli(): WarmCli {
  const child = spawn(process.execPath, ["--conditions=@charrnn/source", "--import", "tsx", warmEntry], {
    cwd: repoRoot,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const watched = watch(child);
  return {
    ...watched,
    async run(args) {
      await watched.waitForLine(/^warm: ready$/, 120_000);
      child.stdin?.end(`${JSON.stringify(args)}\n`);
    },
  };
}

function watch(child: ChildProcess): CliChild {
  let err = "";
  let out = "";
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
    for (let i = waiters.length - 1; i >= 0; i--) {
      const line = err.split("\n").find((l) => waiters[i]!.pattern.test(l));
      if (line !== undefined) {
        waiters[i]!.resolve(line);
        waiters.splice(i, 1);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
  return {
    process: child,
    stderr: () => err,
    stdout: () => out,
    exited,
    waitForLine(pattern, timeoutMs = 30_000) {
      return new Promise<string>((resolve, reject) => {
        const found = err.split("\n").find((l) => pattern.test(l));
        if (found !== undefined) return resolve(found);
        const timer = setTimeout(
          () => reject(new Error(`no stderr line matched ${pattern} in ${timeoutMs} ms:\n${err}`)),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`exited (${code ?? signal}) before a line matched ${pattern}:\n${err}`));
        });
      });
    },
  };
}

/** The tiny, fast model every reliability test trains: a 1×12 GRU on the reference engine. */
export const TINY_MODEL = [
  "--engine",
  "reference",
  "--cell",
  "gru",
  "--layers",
  "1",
  "--hidden",
  "12",
  "--embed",
  "6",
  "--seq",
  "8",
  "--batch",
  "2",
];
