import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
/**
 * A fresh temp directory (`prefix` + random) holding `corpus.txt`: the first `chars` characters of
 * tiny Shakespeare, the corpus most CLI tests train their tiny models on.
 */
export function tempCorpus(prefix: string, chars: number): { dir: string; corpus: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, readFileSync(fixture("tinyshakespeare.txt"), "utf8").slice(0, chars));
  return { dir, corpus };
}

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
