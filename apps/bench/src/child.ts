import type { BenchRow, CellIo, CellMessage, CellSpec } from "./types";

const maxRssKiB = (): number => process.resourceUsage().maxRSS;

function send(message: CellMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) {
      // Run by hand (`--cell` without a parent): print instead.
      console.log(JSON.stringify(message));
      resolve();
    } else process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * The child side of a cell: runs it and reports rows over IPC as they come (so a cell that the
 * parent kills at its cap still leaves its partial result), then exits.
 */
export async function runCellInChild(spec: CellSpec): Promise<void> {
  let pending: Promise<void> = Promise.resolve();
  const io: CellIo = {
    emit(rows: BenchRow[], final: boolean): void {
      pending = send({ type: "rows", rows, final, maxRssKiB: maxRssKiB() });
    },
    stepsStarted(): void {
      pending = send({ type: "steps", maxRssKiB: maxRssKiB() });
    },
  };
  try {
    // Imported per kind so that a cell loads only what it measures (start-up is per cell).
    switch (spec.kind) {
      case "train":
        await (await import("./train-cell")).runTrainCell(spec, io);
        break;
      case "layers":
        await (await import("./layers-cell")).runLayersCell(spec, io);
        break;
      case "sample":
        await (await import("./sample-cell")).runSampleCell(spec, io);
        break;
      case "memory":
        await (await import("./memory-cell")).runMemoryCell(spec, io);
        break;
      case "numpy":
        (await import("./numpy-cell")).runNumpyCell(spec, io);
        break;
      case "torch-plain":
        (await import("./torch-plain-cell")).runTorchPlainCell(spec, io);
        break;
    }
    await pending;
  } catch (error) {
    await pending;
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    await send({ type: "error", message, maxRssKiB: maxRssKiB() });
    process.exit(1);
  }
  // Native runtimes (wasm, onnxruntime) can keep handles open: leave explicitly.
  process.exit(0);
}
