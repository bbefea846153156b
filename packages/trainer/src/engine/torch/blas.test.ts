import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { testTorchPython } from "./test-torch";

const python = testTorchPython();

/** /proc/self/maps lines as Linux writes them, mapping `path`. */
function maps(path: string): string {
  return [
    "55d0c0a00000-55d0c0a2e000 r--p 00000000 08:01 1048601                    /usr/bin/python3.11",
    `7f3a1c200000-7f3a1c21c000 r-xp 00004000 08:01 2097311                    ${path}`,
    "7f3a1c400000-7f3a1c421000 rw-p 00000000 00:00 0 ",
    "7ffd4e9d4000-7ffd4e9f5000 rw-p 00000000 00:00 0                          [stack]",
  ].join("\n");
}

/** Runs charrnn_torch.blas's `[fn, ...args]` calls in one start of the test interpreter; their JSON results. */
function blas(...calls: [string, ...unknown[]][]): unknown[] {
  const code =
    "import json, sys\nfrom charrnn_torch import blas\nprint(json.dumps([getattr(blas, c[0])(*c[1:]) for c in json.load(sys.stdin)]))";
  const run = spawnSync(python!.path, ["-c", code], {
    env: python!.env,
    input: JSON.stringify(calls),
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

describe.skipIf(python === undefined)("which BLAS torch multiplies with (charrnn_torch/blas.py)", () => {
  const reference = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0";
  const openblas = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3";

  it("warns on CPU when Debian's libblas.so.3 is the reference BLAS, naming the library and the fix", () => {
    expect(blas(["torch_blas", "cpu", maps(reference)])).toEqual([
      [
        "blas",
        `torch multiplies with the reference BLAS (${reference}), 14-22x slower than OpenBLAS on CPU for LSTMs of 2x128 and 2x512: install OpenBLAS (Debian: apt-get install libopenblas0-pthread) or train with --engine ort`,
      ],
    ]);
  });

  it("is silent with OpenBLAS, on a GPU, and where no libblas is mapped (PyTorch's wheels carry MKL)", () => {
    const libm = maps("/usr/lib/x86_64-linux-gnu/libm.so.6");
    expect(
      blas(
        ["torch_blas", "cpu", maps(openblas)],
        ["torch_blas", "cuda", maps(reference)],
        ["torch_blas", "cpu", libm],
      ),
    ).toEqual([
      ["openblas-pthread", null],
      [null, null],
      // No libblas mapped: the name torch was built with (BLAS_INFO in torch.__config__.show()).
      [expect.stringMatching(/^[\w.-]+$/), null],
    ]);
  });
});
