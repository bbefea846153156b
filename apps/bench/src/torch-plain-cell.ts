import { fileURLToPath } from "node:url";
import { findTorchPython } from "@charrnn/trainer";
import { CLIP_NORM, cellTrainConfig, fixturePath } from "./configs";
import { runPythonScript } from "./python-script";
import type { BenchRow, CellIo, CellSpec } from "./types";

interface PlainResult {
  charsPerSec: number;
  secPerStep: number;
  steps: number;
  loss: number;
  torch: string;
}

/**
 * Runs `torch_plain_loop.py` (the loop a PyTorch user writes: torch.optim, clip_grad_norm_, no
 * charrnn) on a training config with the interpreter the torch engine uses: the baseline the torch
 * engine's wrapper overhead is measured against.
 */
export function runTorchPlainCell(spec: CellSpec, io: CellIo): void {
  const train = cellTrainConfig(spec.config!, spec.shrink);
  const device = (spec.backend ?? "torch-cpu").replace(/^torch-/, "");
  const row: BenchRow = {
    cell: spec.id,
    kind: "train",
    config: train.id,
    engine: "torch-plain",
    backend: spec.backend ?? "torch-cpu",
    batch: train.batch,
    seq: train.seq,
    status: "skipped",
  };
  const { model } = train;
  const args = [
    fileURLToPath(new URL("./torch_plain_loop.py", import.meta.url)),
    ...["--data", fixturePath("tinyshakespeare.txt"), "--device", device],
    ...["--cell", model.cell, "--layers", String(model.layers), "--hidden", String(model.hidden)],
    ...["--input", model.input, "--embed", String(model.embed ?? 0)],
    ...["--batch", String(train.batch), "--seq", String(train.seq)],
    ...["--optimizer", train.optimizer.kind, "--lr", String(train.lr), "--clip", String(CLIP_NORM)],
    ...["--seconds", String(spec.budget.seconds), "--warmup", String(spec.budget.warmup)],
    ...["--min-steps", String(spec.budget.minSteps), "--max-steps", String(spec.budget.maxSteps)],
  ];
  let python: string;
  try {
    python = findTorchPython().path;
  } catch (error) {
    io.emit([{ ...row, note: (error as Error).message }], true);
    return;
  }
  io.stepsStarted();
  const run = runPythonScript<PlainResult>(python, args, spec.capSeconds);
  if (!run.ok) {
    const { reason } = run;
    io.emit([{ ...row, status: "failed", note: reason }], true);
    return;
  }
  const out = run.result;
  io.emit(
    [
      {
        ...row,
        status: "ok",
        charsPerSec: out.charsPerSec,
        secPerStep: out.secPerStep,
        steps: out.steps,
        note: `torch ${out.torch}; torch.optim, clip_grad_norm_; RSS of node only`,
        extra: { lastLoss: Number(out.loss.toFixed(4)) },
      },
    ],
    true,
  );
}
