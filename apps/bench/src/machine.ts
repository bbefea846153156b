import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

/** Where and how the benchmark ran. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  date: string;
  command: string;
  /** 1-minute load average when the run started and ended (other work on the machine skews timings). */
  loadAverage: { start: number; end?: number };
  python?: string;
  versions: Record<string, string>;
}

function cpuModel(): string {
  try {
    // /proc/cpuinfo names the CPU on Linux where os.cpus() sometimes says only "AMD EPYC".
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1];
    const flags = /^flags\s*:\s*(.+)$/m.exec(info)?.[1] ?? "";
    const simd = ["avx512f", "avx2", "fma"].filter((flag) => flags.split(" ").includes(flag));
    if (model !== undefined) return simd.length > 0 ? `${model} (${simd.join(", ")})` : model;
  } catch {}
  return cpus()[0]?.model ?? "unknown";
}

function packageVersion(name: string): string {
  try {
    const url = import.meta.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(new URL(url), "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

/** The 1-minute load average, rounded. */
export function currentLoad(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

/** CPU, cores, memory, runtime versions, date and the command line of this run. */
export function machineInfo(argv: readonly string[]): MachineInfo {
  const python = spawnSync(
    "python3",
    ["-c", "import sys, numpy; print(sys.version.split()[0], numpy.__version__)"],
    {
      encoding: "utf8",
    },
  );
  const [pyVersion, numpyVersion] = python.status === 0 ? python.stdout.trim().split(" ") : [];
  return {
    cpu: cpuModel(),
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    command: `pnpm bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`,
    loadAverage: { start: currentLoad() },
    python: pyVersion === undefined ? undefined : `${pyVersion} (numpy ${numpyVersion})`,
    versions: {
      "@tensorflow/tfjs-core": packageVersion("@tensorflow/tfjs-core"),
      "@tensorflow/tfjs-backend-wasm": packageVersion("@tensorflow/tfjs-backend-wasm"),
      "onnxruntime-node": packageVersion("onnxruntime-node"),
    },
  };
}
