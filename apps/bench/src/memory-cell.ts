import { readFileSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildVocabFromFile, createStreamBatches, encodeCorpusFile } from "@charrnn/data";
import { zeroState } from "@charrnn/models";
import { CLIP_NORM, fixturePath, modelConfig, seededParams } from "./configs";
import { timeSteps } from "./measure";
import { createEngine } from "./train-cell";
import type { CellIo, CellSpec } from "./types";

const MiB = 1024 * 1024;

const rssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/**
 * The 100 MB corpus rule: writes a 100 MiB text (tiny Shakespeare repeated) to a temp dir, builds
 * the vocab and encodes it with the streaming readers, batches it as TBPTT streams and runs a few
 * steps of the fastest engine on a small LSTM, recording the peak RSS after each phase.
 */
export async function runMemoryCell(spec: CellSpec, io: CellIo): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "charrnn-bench-"));
  try {
    const corpusMiB = spec.corpusMiB ?? 100;
    const path = join(dir, `corpus-${corpusMiB}MiB.txt`);
    let start = performance.now();
    await writeRepeated(path, readFileSync(fixturePath("tinyshakespeare.txt")), corpusMiB * MiB);
    const writeSeconds = (performance.now() - start) / 1000;
    const rssStart = rssMiB();

    start = performance.now();
    const vocab = await buildVocabFromFile(path);
    const vocabSeconds = (performance.now() - start) / 1000;
    start = performance.now();
    const ids = await encodeCorpusFile(path, vocab);
    const encodeSeconds = (performance.now() - start) / 1000;
    const rssEncoded = rssMiB();

    const batch = 64;
    const seq = 100;
    const batches = createStreamBatches(ids, { batch, steps: seq });
    const config = modelConfig(
      { cell: "lstm", layers: 1, hidden: 128, input: "embedding", embed: 64 },
      vocab.size,
    );
    const engine = await createEngine(spec, {
      config,
      params: seededParams(config),
      optimizer: { kind: "adam" },
    });
    let state = zeroState(config, batch);
    const timing = await timeSteps(async (k) => {
      const out = await engine.trainStep(batches.window(k), state, {
        lr: 2e-3,
        clipNorm: CLIP_NORM,
        dropoutSeed: k,
      });
      state = out.state;
    }, spec.budget);
    engine.dispose();
    io.emit(
      [
        {
          cell: spec.id,
          kind: "memory",
          config: `memory-${corpusMiB}MiB`,
          engine: engine.name,
          backend: engine.backend,
          batch,
          seq,
          status: "ok",
          charsPerSec: (batch * seq) / timing.median,
          secPerStep: timing.median,
          steps: timing.times.length,
          note: `${corpusMiB} MiB corpus (${ids.constructor.name}, ${vocab.size} tokens), LSTM 1x128 embed 64`,
          extra: {
            corpusMiB: Math.round(ids.length / MiB),
            writeSeconds: round(writeSeconds),
            vocabSeconds: round(vocabSeconds),
            encodeSeconds: round(encodeSeconds),
            rssBeforeReadMiB: rssStart,
            rssAfterEncodeMiB: rssEncoded,
            rssAfterTrainMiB: rssMiB(),
          },
        },
      ],
      true,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function writeRepeated(path: string, chunk: Uint8Array, bytes: number): Promise<void> {
  const file = await open(path, "w");
  try {
    for (let written = 0; written < bytes; written += chunk.length) {
      await file.write(chunk, 0, Math.min(chunk.length, bytes - written));
    }
  } finally {
    await file.close();
  }
}

const round = (x: number): number => Math.round(x * 100) / 100;
