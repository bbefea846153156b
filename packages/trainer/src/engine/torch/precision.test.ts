import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { testTorchPython } from "./test-torch";

const python = testTorchPython();

/** Runs `code` (Python, after `import json, os, sys, torch` and `from charrnn_torch import precision`, with `args` the JSON of `input`) in the test interpreter; its printed JSON. */
function py(code: string, input: unknown = null): unknown {
  const run = spawnSync(
    python!.path,
    [
      "-c",
      `import json, os, sys, torch\nfrom charrnn_torch import precision\nargs = json.load(sys.stdin)\n${code}`,
    ],
    { env: python!.env, input: JSON.stringify(input), encoding: "utf8", timeout: 60_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

/** /proc/cpuinfo text of a two-core CPU with these extra flags. */
const cpuinfo = (flags: string) =>
  `processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 avx2 ${flags}\n\nprocessor\t: 1\nflags\t\t: fpu sse2 avx2 ${flags}\n`;

describe.skipIf(python === undefined)(
  "--precision on the worker's machine (charrnn_torch/precision.py)",
  () => {
    it("warns that bf16 is emulated on a CPU without bfloat16 instructions, and is silent with them, for fp32 and where the flags are unknown", () => {
      const calls = [
        ["bf16", cpuinfo("avx512f")],
        ["bf16", cpuinfo("avx512f amx_tile amx_bf16")],
        ["bf16", cpuinfo("avx512_bf16")],
        ["fp32", cpuinfo("avx512f")],
        ["bf16", "no flags line here"],
      ];
      const code = `print(json.dumps([precision.precision_warning(p, torch.device("cpu"), text) for p, text in args]))`;
      expect(py(code, calls)).toEqual([
        "this CPU has no bfloat16 instructions (avx512_bf16 or amx_bf16): --precision bf16 runs slower than fp32 here; drop it",
        null,
        null,
        null,
        null,
      ]);
    });

    it("bf16 on the CPU sizes torch's thread pool to the cores the worker may use, unless OMP_NUM_THREADS is set; fp32 leaves it", () => {
      const cores = py("print(len(os.sched_getaffinity(0)))") as number;
      const after = (p: string, env: Record<string, string>) =>
        py(
          `torch.set_num_threads(1)\nprecision.use_cpu_threads(args[0], torch.device("cpu"), args[1])\nprint(torch.get_num_threads())`,
          [p, env],
        );
      expect(cores).toBeGreaterThan(1);
      expect(after("bf16", {})).toBe(cores);
      expect(after("fp32", {})).toBe(1);
      expect(after("bf16", { OMP_NUM_THREADS: "1" })).toBe(1);
    });
  },
);
