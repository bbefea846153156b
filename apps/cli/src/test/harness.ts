import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CliIo } from "../io";
import { runCli } from "../run";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function runInProcess(args: string[], signal?: AbortSignal): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    signal,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
export const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../../../test-fixtures/${name}`, import.meta.url));
const entry = fileURLToPath(new URL("../charrnn.ts", import.meta.url));

/** Runs the real binary from source in a child process (exit codes, signals, stderr as a user sees it). */
export function runBinary(args: string[], options: { cwd?: string; timeout?: number } = {}): CliResult {
  const result = spawnSync(
    process.execPath,
    ["--conditions=@charrnn/source", "--import", "tsx", entry, ...args],
    {
      cwd: options.cwd ?? repoRoot,
      encoding: "utf8",
      timeout: options.timeout ?? 60_000,
    },
  );
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
