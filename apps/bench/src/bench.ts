import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { findTorchPython } from "@charrnn/trainer";
import { cellCatalog } from "./cells";
import { currentLoad, machineInfo } from "./machine";
import { computeRatios, formatReport } from "./report";
import { runCell } from "./run-cells";
import type { BenchRow, CellSpec } from "./types";

const USAGE = `pnpm bench -- [--quick] [--only <pattern>] [--json <path>] [--skip-memory] [--list]

  --quick        tiny time budgets (a smoke run, under 2 minutes)
  --only P       run only the cells whose id contains P (comma-separated alternatives; e.g. train/c,sample)
  --json PATH    also write the JSON results to PATH (always written to bench-results/bench-<date>.json)
  --skip-memory  leave out the 100 MB corpus memory cell
  --max-seconds N  wall-clock budget of the whole run; cell caps shrink to fit (default 540, quick 90)
  --torch-device D  cpu or cuda for the torch cells (default: cuda when PyTorch sees a GPU)
  --list         print the cell ids and exit`;

/** A cell's cap is at most this many equal shares of the time left, and at least MIN_CAP_SECONDS. */
const SHARES = 2.5;
const MIN_CAP_SECONDS = 5;

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

async function main(): Promise<void> {
  const argv = process.argv.slice(2).filter((arg) => arg !== "--");
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      json: { type: "string" },
      "skip-memory": { type: "boolean", default: false },
      list: { type: "boolean", default: false },
      "max-seconds": { type: "string" },
      "torch-device": { type: "string" },
      help: { type: "boolean", default: false },
      cell: { type: "string" },
      spec: { type: "string" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.cell !== undefined) {
    await (await import("./child")).runCellInChild(JSON.parse(values.spec ?? "{}") as CellSpec);
    return;
  }

  const { hasTfjsNode, ortEngineFactory } = await import("./train-cell");
  const ortEngine = ortEngineFactory() !== undefined;
  const tfjsNode = await hasTfjsNode();
  const torch = findTorch(values["torch-device"]);
  let cells = cellCatalog({
    quick: values.quick,
    ortEngine,
    tfjsNode,
    skipMemory: values["skip-memory"],
    ...(torch.device !== undefined && { torchDevice: torch.device }),
  });
  if (values.only !== undefined) {
    const patterns = values.only.split(",").filter((p) => p !== "");
    cells = cells.filter((cell) => patterns.some((p) => cell.id.includes(p)));
  }
  if (values.list) {
    for (const cell of cells) console.log(`${cell.id}  (cap ${cell.capSeconds} s)`);
    return;
  }
  const machine = machineInfo(argv);
  console.log(
    `charrnn bench: ${cells.length} cells; ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`,
  );
  if (!ortEngine)
    console.log("note: createOrtEngine is not exported by @charrnn/trainer yet; no ort training cells");
  if (!tfjsNode) console.log("note: @tensorflow/tfjs-node is not installed; no tensorflow backend cells");
  if (torch.note !== undefined) console.log(`note: ${torch.note}`);

  const started = performance.now();
  // The torch cells come on top of the others' budget (each starts Python and imports torch).
  const torchCells = cells.filter((cell) => cell.backend?.startsWith("torch-")).length;
  const maxSeconds = Number(
    values["max-seconds"] ?? (values.quick ? 90 : 540) + torchCells * (values.quick ? 15 : 40),
  );
  const rows: BenchRow[] = [];
  for (const [index, cell] of cells.entries()) {
    const cellStart = performance.now();
    // Keep the whole run inside its wall-clock budget: no cell may take more than a few fair
    // shares of what is left, so a slow machine shortens every cell rather than starving the last.
    const share = (maxSeconds - (cellStart - started) / 1000) / (cells.length - index);
    const capSeconds = Math.max(MIN_CAP_SECONDS, Math.min(cell.capSeconds, Math.floor(SHARES * share)));
    const result = await runCell({ ...cell, capSeconds });
    rows.push(...result);
    const summary = result
      .map((row) =>
        row.charsPerSec !== undefined
          ? `${row.engine} b${row.batch}: ${Math.round(row.charsPerSec).toLocaleString("en-US")} chars/s${row.status === "ok" ? "" : ` (${row.status})`}`
          : `${row.status}: ${row.note ?? ""}`,
      )
      .join(", ");
    const seconds = ((performance.now() - cellStart) / 1000).toFixed(1);
    console.log(`[${index + 1}/${cells.length}] ${cell.id} (${seconds} s) ${summary}`);
  }
  const totalSeconds = (performance.now() - started) / 1000;
  machine.loadAverage.end = currentLoad();
  const ratios = computeRatios(rows);
  console.log(`\n${formatReport(machine, rows, ratios, totalSeconds)}`);

  const json = `${JSON.stringify(
    { machine, options: { quick: values.quick, only: values.only ?? null }, totalSeconds, rows, ratios },
    null,
    2,
  )}\n`;
  const stamp = machine.date.replace(/[:]/g, "-").replace(/\..*$/, "");
  const targets = [resolve(REPO_ROOT, "bench-results", `bench-${stamp}.json`)];
  if (values.json !== undefined) targets.push(resolve(process.env.INIT_CWD ?? process.cwd(), values.json));
  for (const target of targets) {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, json);
  }
  console.log(`\nTotal ${totalSeconds.toFixed(0)} s. Results: ${targets.join(", ")}`);
}

/** The torch cells' device, or a note saying why there are none. */
function findTorch(requested: string | undefined): { device?: "cpu" | "cuda"; note?: string } {
  if (requested !== undefined && requested !== "cpu" && requested !== "cuda") {
    throw new Error(`--torch-device must be cpu or cuda, got ${requested}`);
  }
  try {
    const python = findTorchPython();
    const device = (requested ?? (python.cudaDevices > 0 ? "cuda" : "cpu")) as "cpu" | "cuda";
    return { device, note: `torch cells on ${device}: ${python.path} (torch ${python.torch})` };
  } catch (error) {
    return { note: `no torch cells: ${(error as Error).message}` };
  }
}

await main();
