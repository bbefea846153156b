import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
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
/** tsx's loader by absolute URL, so the binary also runs with a cwd outside the repository. */
export const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** Runs the real binary from source in a child process (exit codes, signals, stderr as a user sees it). */
export function runBinary(
  args: string[],
  options: { cwd?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = spawnSync(
    process.execPath,
    ["--conditions=@charrnn/source", "--import", tsxLoader, entry, ...args],
    {
      cwd: options.cwd ?? repoRoot,
      encoding: "utf8",
      timeout: options.timeout ?? 60_000,
      ...(options.env !== undefined && { env: options.env }),
    },
  );
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
