import type { Budget } from "./measure";
import type { CellSpec } from "./types";

/** What decides which cells exist in this run. */
export interface CatalogOptions {
  quick: boolean;
  /** `createOrtEngine` is exported by @charrnn/trainer. */
  ortEngine: boolean;
  /** tfjs-node is installed (adds `tensorflow` backend cells). */
  tfjsNode: boolean;
  skipMemory: boolean;
  /** PyTorch's device when a Python with torch is found (adds torch engine and plain-loop cells). */
  torchDevice?: "cpu" | "cuda";
}

const budget = (seconds: number, warmup = 1, minSteps = 2, maxSteps = 10_000): Budget => ({
  warmup,
  seconds,
  minSteps,
  maxSteps,
});

const QUICK: Budget = { warmup: 1, seconds: 0.3, minSteps: 1, maxSteps: 4 };
/** A smoke run's windows for configs b–d: the same models on small batches, so every cell runs. */
const QUICK_WINDOW = { batch: 2, seq: 10 };

/**
 * Every benchmark cell, each run in its own child process. Full-run budgets are sized so that the
 * whole run stays under ~8 minutes on 2 cores: small configs get a few seconds, the big ones a
 * handful of steps, and the slow baselines a hard cap (their per-step time is the result).
 */
export function cellCatalog(options: CatalogOptions): CellSpec[] {
  const cells: CellSpec[] = [];
  const add = (cell: Omit<CellSpec, "budget" | "capSeconds">, full: Budget, capSeconds: number): void => {
    const shrink = options.quick && cell.config !== undefined && cell.config !== "a";
    cells.push({
      ...cell,
      budget: options.quick ? QUICK : full,
      capSeconds: options.quick ? Math.min(capSeconds, 20) : capSeconds,
      ...(shrink ? { shrink: QUICK_WINDOW } : {}),
      ...(options.quick && cell.kind === "memory" ? { corpusMiB: 4 } : {}),
    });
  };
  const tfBackends = options.tfjsNode ? ["tensorflow", "wasm", "cpu"] : ["wasm", "cpu"];
  // Per-step time class of an engine on a config (on 2 cores): fast < 0.1 s, medium < 5 s, slow > 5 s.
  // Slow cells get no warm-up and one or two steps; the pure-JS cpu backend on the big configs
  // cannot finish a step in any sensible budget, so it gets a short cap and reports a bound.
  const FAST = budget(4);
  const MEDIUM = budget(5, 1, 1);
  const SLOW = budget(12, 0, 1, 3);
  const HOPELESS = budget(1, 0, 1, 1);

  // Our engines on the four standard configs.
  for (const config of ["a", "b", "c", "d"]) {
    const big = config === "c" || config === "d";
    for (const backend of tfBackends) {
      const id = `train/${config}/tfjs-${backend}`;
      const cell = { id, kind: "train" as const, config, engine: "tfjs", backend };
      if (config === "a") add(cell, FAST, 15);
      else if (!big) add(cell, backend === "cpu" ? SLOW : MEDIUM, 25);
      else if (backend === "cpu") add(cell, HOPELESS, 30);
      else add(cell, SLOW, 50);
    }
    if (options.ortEngine) {
      const cell = {
        id: `train/${config}/ort`,
        kind: "train" as const,
        config,
        engine: "ort",
        backend: "onnxruntime-node",
      };
      add(cell, big ? budget(10, 1, 2) : FAST, big ? 40 : 20);
    }
    if (!big) {
      const cell = {
        id: `train/${config}/reference`,
        kind: "train" as const,
        config,
        engine: "reference",
        backend: "js",
      };
      add(cell, config === "a" ? FAST : SLOW, config === "a" ? 15 : 25);
    }
  }

  // The tf.layers baseline (what the TF.js text-generation examples do), same configs and backends.
  for (const config of ["b", "c"]) {
    for (const backend of tfBackends) {
      const cell = {
        id: `layers/${config}/${backend}`,
        kind: "layers" as const,
        config,
        engine: "tf.layers",
        backend,
      };
      if (backend === "tensorflow") add(cell, MEDIUM, 40);
      else if (config === "b" && backend === "wasm") add(cell, budget(8, 1, 1), 30);
      else if (config === "c" && backend === "wasm") add(cell, HOPELESS, 50);
      else add(cell, HOPELESS, 30);
    }
  }

  add({ id: "numpy/a", kind: "numpy", config: "a", engine: "numpy", backend: "numpy" }, FAST, 20);

  // The torch engine next to a plain PyTorch loop of the same model: the wrapper's overhead. Caps
  // include starting Python and importing torch (seconds); Debian's CPU build is slow on (c), (d).
  if (options.torchDevice !== undefined) {
    const backend = `torch-${options.torchDevice}`;
    const gpu = options.torchDevice === "cuda";
    for (const config of ["a", "b", "c", "d"]) {
      const big = !gpu && (config === "c" || config === "d");
      const timing = gpu || config === "a" ? FAST : big ? SLOW : MEDIUM;
      const cap = big ? 180 : 90;
      add({ id: `train/${config}/torch`, kind: "train", config, engine: "torch", backend }, timing, cap);
      // Mixed precision where matmuls dominate: bfloat16 runs on AMX (recent Xeons) and tensor cores.
      if (config === "c" || config === "d") {
        const id = `train/${config}/torch-bf16`;
        add({ id, kind: "train", config, engine: "torch", backend, precision: "bf16" }, timing, cap);
      }
      add(
        { id: `torch-plain/${config}`, kind: "torch-plain", config, engine: "torch-plain", backend },
        timing,
        cap,
      );
    }
  }

  for (const engine of ["ts", "wasm", "wasm-int8", "ort-step", "ort-raw"]) {
    add({ id: `sample/${engine}`, kind: "sample", engine }, budget(1.5, 3, 5), 30);
  }

  if (!options.skipMemory) {
    const engine = options.ortEngine ? "ort" : "tfjs";
    const backend = options.ortEngine ? "onnxruntime-node" : "wasm";
    add({ id: "memory/100MB", kind: "memory", engine, backend }, budget(1, 1, 2, 3), 90);
  }
  return cells;
}
