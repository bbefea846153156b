import { readFile } from "node:fs/promises";
import { CharrnnError, isCharrnnError } from "@charrnn/core";
import {
  CELL_TYPES,
  type CellType,
  type ModelConfig,
  type NamedTensors,
  type RnnState,
} from "@charrnn/models";
import type { TrainingEngine } from "@charrnn/trainer";
import type { Command } from "commander";
import type { CliIo } from "../io";
import { parseNumberFlag } from "../options";

interface ParityFlags {
  torchFixture: string;
  tolerance: string;
  backend?: string;
  json?: boolean;
}

/** One model of a PyTorch parity fixture (`torch_parity.json`). */
interface FixtureModel {
  layers: number;
  x: number[][];
  y: number[][];
  params: Record<string, unknown>;
  loss: number;
  logits: number[][][];
  final_state: { h: unknown; c?: unknown };
  grads: Record<string, unknown>;
}

export interface ParityRow {
  cell: string;
  engine: string;
  logits: number;
  state: number;
  loss: number;
  /** Worst gradient, with its parameter name. */
  grad: number;
  gradParam: string;
  pass: boolean;
}

export function registerParityCommand(program: Command, io: CliIo): void {
  program
    .command("parity")
    .description(
      "check the ort (default), TF.js and reference engines against a PyTorch fixture (logits, state, loss, gradients)",
    )
    .requiredOption(
      "--torch-fixture <file>",
      "PyTorch parity fixture (format of test-fixtures/torch/torch_parity.json)",
    )
    .option("--tolerance <e>", "largest relative error that passes", "1e-4")
    .option("--backend <name>", "TF.js backend for the tfjs engine: auto, tensorflow, wasm or cpu")
    .option("--json", "print the table as JSON")
    .action(async (flags: ParityFlags) => {
      const tolerance = parseNumberFlag("--tolerance", flags.tolerance, { min: 0, minInclusive: false });
      const { rows, skipped } = await runParity(flags.torchFixture, tolerance, flags.backend);
      for (const [engine, reason] of skipped)
        io.stderr.write(`charrnn parity: skipped ${engine}: ${reason}\n`);
      if (flags.json) {
        const json = { tolerance, rows, skipped: Object.fromEntries(skipped) };
        io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      } else {
        io.stdout.write(formatTable(rows, tolerance));
      }
      const failed = rows.filter((r) => !r.pass);
      if (failed.length > 0) {
        throw new CharrnnError(
          "PARITY_FAILED",
          `parity failed for ${failed.map((r) => `${r.cell}/${r.engine}`).join(", ")}: relative error above ${tolerance}`,
        );
      }
    });
}

/**
 * An optional engine whose runtime is not installed (TF.js, onnxruntime-node) is skipped with its
 * install hint rather than failing the others; asked for by `--backend`, TF.js must load.
 */
const NOT_INSTALLED = new Set(["TFJS_NOT_INSTALLED", "ORT_NOT_INSTALLED"]);

async function runParity(
  path: string,
  tolerance: number,
  backend: string | undefined,
): Promise<{ rows: ParityRow[]; skipped: Map<string, string> }> {
  const fixture = await readFixture(path);
  const models = await import("@charrnn/models");
  const trainer = await import("@charrnn/trainer");
  const rows: ParityRow[] = [];
  const skipped = new Map<string, string>();
  for (const cell of CELL_TYPES) {
    const entry = fixture[cell];
    if (entry === undefined) continue;
    const inferred = models.inferConfigFromStateDict(entry.params as never, { cell });
    const config: ModelConfig = models.validateConfig({ ...inferred, cell });
    const params = models.fromPytorchStateDict(config, entry.params as never);
    const expectedGrads = models.mapStateDictNames(entry.grads as never);
    const B = entry.x.length;
    const T = entry.x[0]?.length ?? 0;
    const batch = {
      x: Int32Array.from(entry.x.flat()),
      y: Int32Array.from(entry.y.flat()),
      batch: B,
      steps: T,
    };
    const engines: [string, () => Promise<TrainingEngine>][] = [
      [
        "reference",
        async () => trainer.createReferenceEngine({ config, params, optimizer: { kind: "sgd" } }),
      ],
      // The engine `charrnn train` uses by default: float32 graphs on onnxruntime-node.
      ["ort", () => trainer.createOrtEngine({ config, params, optimizer: { kind: "sgd" } })],
      [
        "tfjs",
        async () =>
          (await trainer.importTfjs()).createTfjsEngine({
            config,
            params,
            optimizer: { kind: "sgd" },
            ...(backend !== undefined && { backend }),
          }),
      ],
    ];
    for (const [name, create] of engines) {
      if (skipped.has(name)) continue;
      let engine: TrainingEngine;
      try {
        engine = await create();
      } catch (error) {
        const optional = !(name === "tfjs" && backend !== undefined);
        if (!optional || !isCharrnnError(error) || !NOT_INSTALLED.has(error.code)) throw error;
        skipped.set(name, error.message);
        continue;
      }
      try {
        if (!engine.lossAndGrads)
          throw new CharrnnError("PARITY_UNSUPPORTED", `engine ${name} exposes no lossAndGrads`);
        const result = await engine.lossAndGrads(batch, models.zeroState(config, B));
        rows.push(
          compare(cell, name, config, result, entry, expectedGrads, tolerance, models.maxRelativeError),
        );
      } finally {
        engine.dispose();
      }
    }
  }
  return { rows, skipped };
}

function compare(
  cell: string,
  engine: string,
  config: ModelConfig,
  result: { loss: number; logits: Float32Array; state: RnnState; grads: NamedTensors },
  entry: FixtureModel,
  expectedGrads: NamedTensors,
  tolerance: number,
  maxRelativeError: (a: ArrayLike<number>, b: ArrayLike<number>) => number,
): ParityRow {
  const logits = maxRelativeError(result.logits, entry.logits.flat(2));
  let state = maxRelativeError(result.state.h, flatten(entry.final_state.h));
  if (config.cell === "lstm" && result.state.c) {
    state = Math.max(state, maxRelativeError(result.state.c, flatten(entry.final_state.c)));
  }
  const loss = Math.abs(result.loss - entry.loss) / Math.max(Math.abs(entry.loss), 1e-12);
  let grad = 0;
  let gradParam = "";
  for (const [name, expected] of expectedGrads) {
    const actual = result.grads.get(name);
    const error = actual ? maxRelativeError(actual.data, expected.data) : Number.POSITIVE_INFINITY;
    if (error >= grad) {
      grad = error;
      gradParam = name;
    }
  }
  const pass = [logits, state, loss, grad].every((e) => e <= tolerance);
  return { cell, engine, logits, state, loss, grad, gradParam, pass };
}

function flatten(value: unknown): number[] {
  return Array.isArray(value) ? (value.flat(Number.POSITIVE_INFINITY as 1) as number[]) : [];
}

async function readFixture(path: string): Promise<Partial<Record<CellType, FixtureModel>>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new CharrnnError(
      "FIXTURE_UNREADABLE",
      `cannot read --torch-fixture ${path}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  try {
    const json = JSON.parse(text) as Record<string, FixtureModel>;
    if (!CELL_TYPES.some((cell) => json[cell]?.params)) throw new Error("no models");
    return json;
  } catch (cause) {
    throw new CharrnnError(
      "FIXTURE_INVALID",
      `--torch-fixture ${path} is not a PyTorch parity fixture (expected JSON with rnn/gru/lstm entries holding params, x, y, logits, grads)`,
      { cause },
    );
  }
}

function formatTable(rows: ParityRow[], tolerance: number): string {
  const header = "cell  engine     logits     state      loss       worst grad (param)";
  const lines = rows.map(
    (r) =>
      `${r.cell.padEnd(5)} ${r.engine.padEnd(10)} ${r.logits.toExponential(2).padEnd(10)} ${r.state.toExponential(2).padEnd(10)} ` +
      `${r.loss.toExponential(2).padEnd(10)} ${r.grad.toExponential(2)} (${r.gradParam}) ${r.pass ? "ok" : "FAIL"}`,
  );
  return `max relative error vs PyTorch (tolerance ${tolerance})\n${header}\n${lines.join("\n")}\n`;
}
