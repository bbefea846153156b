import { readFileSync } from "node:fs";
import type { TrainEngineName } from "./engines";

/**
 * The /proc/cpuinfo flag under which PyTorch's bfloat16 matmuls measured faster than `ort`: AMX
 * tiles (Intel Xeon 4th generation and later). The torch engine in bf16 trained the recipes' models
 * 1.5–2.4× as fast as `ort` on a 2-core Intel Xeon with AMX (README: mixed precision). CPUs with
 * only `avx512_bf16` are not named: unmeasured, and the Python side only warns where both lack.
 */
const BF16_MATRIX_FLAG = "amx_bf16";

/** The CPU's feature flags from the text of /proc/cpuinfo, or undefined where it has none. */
export function cpuFlags(cpuinfo: string | undefined): Set<string> | undefined {
  const line = cpuinfo?.split("\n").find((l) => l.split(":")[0]?.trim() === "flags");
  return line === undefined
    ? undefined
    : new Set(
        line
          .slice(line.indexOf(":") + 1)
          .trim()
          .split(/\s+/),
      );
}

/** /proc/cpuinfo as text; undefined off Linux or where it cannot be read. */
export function readCpuinfo(): string | undefined {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return undefined;
  }
}

/**
 * One line for a `--time-budget` run that could train about twice as fast: its engine is not torch
 * and the CPU multiplies bfloat16 in hardware. In a budget run speed is the loss (the 15- and
 * 60-minute targets were met that way), so the run says so; undefined where nothing is to gain.
 */
export function bf16Hint(engine: TrainEngineName, cpuinfo: string | undefined): string | undefined {
  if (engine === "torch" || engine === "reference") return undefined;
  if (!cpuFlags(cpuinfo)?.has(BF16_MATRIX_FLAG)) return undefined;
  return `this CPU multiplies bfloat16 in hardware (${BF16_MATRIX_FLAG}): with PyTorch installed, --engine torch --precision bf16 trains the recipes' models about 1.5-2.4× as fast as ort, so the budget buys a better model`;
}
