import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CharrnnError } from "@charrnn/core";

/** An interpreter that imports torch and charrnn_torch, with what it reported about itself. */
export interface TorchPython {
  path: string;
  torch: string;
  cudaDevices: number;
  mps: boolean;
  /** Environment to run `python -m charrnn_torch` with (PYTHONPATH reaches this repo's python/). */
  env: NodeJS.ProcessEnv;
}

export interface FindTorchPythonOptions {
  /** `--python PATH`: the only interpreter tried. */
  python?: string;
  /** Environment (CHARRNN_PYTHON, PATH, PYTHONPATH); defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

const PROBE = [
  "import json, torch, charrnn_torch",
  "mps = hasattr(torch.backends, 'mps') and torch.backends.mps.is_available()",
  "print(json.dumps({'torch': torch.__version__, 'cuda': torch.cuda.device_count(), 'mps': bool(mps)}))",
].join("\n");

const probed = new Map<string, TorchPython>();

/**
 * The interpreter the torch engine runs: `--python`, else `CHARRNN_PYTHON`, else the first of
 * `python3` and `/usr/bin/python3` that imports torch (the `python3` first on PATH is often a
 * virtualenv or pyenv without it). Neither found is `TORCH_NOT_INSTALLED`, naming what was tried.
 */
export function findTorchPython(options: FindTorchPythonOptions = {}): TorchPython {
  const base = options.env ?? process.env;
  const explicit = options.python ?? base.CHARRNN_PYTHON;
  const candidates = explicit ? [explicit] : ["python3", "/usr/bin/python3"];
  const pkg = pythonPackageDir();
  // No __pycache__ written into the package directory (nothing outside the paths the user gave).
  const env: NodeJS.ProcessEnv = { ...base, PYTHONDONTWRITEBYTECODE: "1" };
  if (pkg !== undefined) env.PYTHONPATH = [pkg, base.PYTHONPATH].filter(Boolean).join(delimiter);
  const tried: string[] = [];
  for (const path of candidates) {
    // Importing torch takes seconds: one probe per interpreter and environment per process.
    const key = JSON.stringify([path, env.PYTHONPATH, env.PATH]);
    const known = probed.get(key);
    if (known !== undefined) return { ...known, env };
    const probe = spawnSync(path, ["-c", PROBE], { env, encoding: "utf8", timeout: 180_000 });
    if (probe.error !== undefined) {
      const code = (probe.error as NodeJS.ErrnoException).code;
      tried.push(`${path} (${code === "ENOENT" ? "not found" : probe.error.message})`);
      continue;
    }
    if (probe.status !== 0) {
      tried.push(`${path} (${lastLine(probe.stderr) || `exit ${probe.status}`})`);
      continue;
    }
    const info = JSON.parse(lastLine(probe.stdout)) as { torch: string; cuda: number; mps: boolean };
    const found = { path, torch: info.torch, cudaDevices: info.cuda, mps: info.mps, env };
    probed.set(key, found);
    return found;
  }
  if (tried.some((t) => t.includes("No module named 'charrnn_torch'"))) {
    throw new CharrnnError(
      "TORCH_NOT_INSTALLED",
      `the torch engine's worker package charrnn_torch is not importable (tried ${tried.join(", ")}): run \`pip install ./python\` from the charrnn repository`,
    );
  }
  const how = explicit
    ? `install PyTorch for it (pip install torch) or choose another with --python PATH / CHARRNN_PYTHON`
    : `install PyTorch (pip install torch, or apt-get install python3-torch on Debian) or point --python PATH / CHARRNN_PYTHON at an interpreter that has it`;
  throw new CharrnnError(
    "TORCH_NOT_INSTALLED",
    `the torch engine needs Python with PyTorch; tried ${tried.join(", ")}: ${how}`,
  );
}

/**
 * This repo's `python/` directory (holding `charrnn_torch`), found upwards from this module; in an
 * install without it the package must be pip-installed (`pip install ./python`).
 */
export function pythonPackageDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, "python");
    if (existsSync(join(candidate, "charrnn_torch", "__init__.py"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

function lastLine(text: string | null | undefined): string {
  const lines = (text ?? "").trim().split("\n");
  return lines[lines.length - 1]!.trim();
}
