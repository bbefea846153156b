import { spawnSync } from "node:child_process";

/** What a bench script printed as its last stdout line (JSON), or why it gave none. */
export type PythonScriptOutcome<T> = { ok: true; result: T } | { ok: false; reason: string };

/**
 * Runs a Python bench script to completion (killed after `timeoutSeconds`) and parses the JSON of its
 * last stdout line; a failure's reason is the spawn error or the last line of stderr.
 */
export function runPythonScript<T>(
  python: string,
  args: readonly string[],
  timeoutSeconds: number,
): PythonScriptOutcome<T> {
  const run = spawnSync(python, args, { encoding: "utf8", timeout: timeoutSeconds * 1000 });
  if (run.error !== undefined || run.status !== 0) {
    return {
      ok: false,
      reason: run.error?.message ?? run.stderr.trim().split("\n").pop() ?? `exit ${run.status}`,
    };
  }
  return { ok: true, result: JSON.parse(run.stdout.trim().split("\n").pop()!) as T };
}
