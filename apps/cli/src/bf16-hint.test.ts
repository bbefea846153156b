import { describe, expect, it } from "vitest";
import { bf16Hint, cpuFlags } from "./bf16-hint";

// Two processors' worth of /proc/cpuinfo, cut to the lines that matter.
const cpuinfo = (flags: string) =>
  [
    "processor\t: 0",
    "model name\t: Intel(R) Xeon(R) Processor",
    `flags\t\t: ${flags}`,
    "",
    "processor\t: 1",
    `flags\t\t: ${flags}`,
    "",
  ].join("\n");
const sapphireRapids = cpuinfo("fpu sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8");
const zen4 = cpuinfo("fpu sse2 avx2 avx512f avx512_bf16");
const older = cpuinfo("fpu sse2 avx2 fma");

describe("cpuFlags", () => {
  it("reads the first flags line, and nothing from text without one", () => {
    expect(cpuFlags(sapphireRapids)).toEqual(
      new Set(["fpu", "sse2", "avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "amx_int8"]),
    );
    expect(cpuFlags("processor\t: 0\n")).toBeUndefined();
    expect(cpuFlags(undefined)).toBeUndefined();
  });
});

describe("bf16Hint: a budget run on a CPU with AMX names the faster engine", () => {
  it("speaks on ort, tfjs and auto where the CPU has amx_bf16", () => {
    for (const engine of ["auto", "ort", "tfjs"] as const) {
      expect(bf16Hint(engine, sapphireRapids)).toMatch(/\(amx_bf16\).*--engine torch --precision bf16/);
    }
  });

  it("is silent on the torch and reference engines, without AMX, and where cpuinfo cannot be read", () => {
    expect(bf16Hint("torch", sapphireRapids)).toBeUndefined();
    expect(bf16Hint("reference", sapphireRapids)).toBeUndefined();
    expect(bf16Hint("auto", zen4)).toBeUndefined();
    expect(bf16Hint("auto", older)).toBeUndefined();
    expect(bf16Hint("auto", undefined)).toBeUndefined();
  });
});
