import { fileURLToPath } from "node:url";
import { fixturePath, TRAIN_CONFIGS } from "./configs";
import { runPythonScript } from "./python-script";
import type { BenchRow, CellIo, CellSpec } from "./types";

interface NumpyResult {
  charsPerSec: number;
  secPerStep: number;
  steps: number;
  loss: number;
  maxRssKiB: number;
  python: string;
  numpy: string;
}

/**
 * Runs `min_char_rnn.py` (numpy, written from the equations) on config (a): the baseline for our
 * vanilla RNN path. Skipped with a note when python3 or numpy is missing.
 */
export function runNumpyCell(spec: CellSpec, io: CellIo): void {
  const train = TRAIN_CONFIGS.a!;
  const row: BenchRow = {
    cell: spec.id,
    kind: "train",
    config: train.id,
    engine: "numpy",
    backend: "numpy",
    batch: train.batch,
    seq: train.seq,
    status: "skipped",
  };
  const script = fileURLToPath(new URL("./min_char_rnn.py", import.meta.url));
  const args = [
    script,
    "--data",
    fixturePath("tinyshakespeare.txt"),
    "--hidden",
    String(train.model.hidden),
    "--seq",
    String(train.seq),
    "--lr",
    String(train.lr),
    "--seconds",
    String(spec.budget.seconds),
    "--warmup",
    String(Math.max(1, spec.budget.warmup * 10)),
    "--min-steps",
    String(Math.max(1, spec.budget.minSteps)),
  ];
  const run = runPythonScript<NumpyResult>("python3", args, spec.capSeconds);
  if (!run.ok) {
    const { reason } = run;
    io.emit([{ ...row, note: `python3 with numpy not available: ${reason}` }], true);
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
        maxRssMiB: Math.round(out.maxRssKiB / 1024),
        note: `python ${out.python}, numpy ${out.numpy}; elementwise clip 5; RSS of python`,
        extra: { lastLoss: Number(out.loss.toFixed(4)) },
      },
    ],
    true,
  );
}
