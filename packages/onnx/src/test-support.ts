// Helpers shared by this package's tests (not exported from the package).
import { spawnSync } from "node:child_process";
import { createRng, type Rng } from "@charrnn/core";
import {
  type CellType,
  type InputMode,
  initParams,
  type ModelConfig,
  type NamedTensors,
  type RnnState,
} from "@charrnn/models";
import { Vocab } from "@charrnn/vocab";

/** `V` distinct printable characters. */
export function testVocab(size: number): Vocab {
  let text = "";
  for (let i = 0; i < size; i++) text += String.fromCodePoint(0x21 + i);
  return Vocab.fromText(text);
}

export function testConfig(
  cell: CellType,
  layers: number,
  input: InputMode,
  hidden = 12,
  vocabSize = 17,
): ModelConfig {
  const config: ModelConfig = {
    cell,
    layers,
    hidden,
    vocabSize,
    input,
    dropout: 0,
    init: { kind: "uniform", scale: 0.4 },
    forgetBias: 0,
  };
  if (input === "embedding") config.embed = 7;
  return config;
}

export interface TestModel {
  config: ModelConfig;
  vocab: Vocab;
  params: NamedTensors;
}

export function testModel(cell: CellType, layers: number, input: InputMode, seed: number): TestModel {
  const config = testConfig(cell, layers, input);
  return { config, vocab: testVocab(config.vocabSize), params: initParams(config, createRng(seed)) };
}

export function randomTokens(n: number, vocabSize: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng.next() * vocabSize);
  return out;
}

/** A state with every entry uniform in ±0.5, so that tests see whether h0/c0 are really fed. */
export function randomState(config: ModelConfig, batch: number, rng: Rng): RnnState {
  const n = config.layers * batch * config.hidden;
  const fill = () => Float32Array.from({ length: n }, () => rng.next() - 0.5);
  const state: RnnState = { layers: config.layers, batch, hidden: config.hidden, h: fill() };
  if (config.cell === "lstm") state.c = fill();
  return state;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Index of the largest of `n` values starting at `offset`. */
export function argmax(values: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (values[offset + i]! > values[offset + best]!) best = i;
  return best;
}

/** A Python with the `onnx` package, for the official-checker tests. */
export interface PythonOnnx {
  python: string;
  /** The newest opset that package's checker knows. */
  maxOpset: number;
}

/**
 * Finds a Python that imports `onnx`: the one on PATH (e.g. with `pip install onnx`) or Debian's
 * (`apt-get install python3-onnx`, which CI installs). Undefined when there is none.
 */
export function findPythonOnnx(): PythonOnnx | undefined {
  for (const python of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(python, ["-c", "import onnx.defs; print(onnx.defs.onnx_opset_version())"], {
      encoding: "utf8",
    });
    const maxOpset = Number.parseInt(r.stdout ?? "", 10);
    if (r.status === 0 && Number.isInteger(maxOpset)) return { python, maxOpset };
  }
  return undefined;
}

/** Runs `onnx.checker.check_model(full_check=True)` on each file; returns python's output. */
export function runOnnxChecker(python: string, paths: readonly string[]): { ok: boolean; output: string } {
  const script =
    "import onnx, sys\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\n    print('ok', p)";
  const r = spawnSync(python, ["-c", script, ...paths], { encoding: "utf8" });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
