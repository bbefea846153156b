import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CHECKPOINT_DIR, createRng, isCharrnnError, type Rng } from "@charrnn/core";
import { parseModel } from "@charrnn/models";
import { inspectOnnx, loadOnnxModel, METADATA_KEYS, proto } from "@charrnn/onnx";
import { decodeCheckpoint, listCheckpoints } from "@charrnn/trainer";
import { beforeAll, describe, expect, it } from "vitest";
import { runInProcess, tempCorpus } from "../test/harness";
import { TINY_MODEL } from "./spawn-cli";

/** Fixed so CI is repeatable; CHARRNN_FUZZ_SEED explores other mutations locally. */
const SEED = Number(process.env.CHARRNN_FUZZ_SEED ?? 7_340_033);
/** A parse of these few-KB files takes well under a millisecond; this only catches a hang. */
const PARSE_LIMIT_MS = 2_000;
const RSS_LIMIT = 500 * 1024 * 1024;

const originals: { model: Uint8Array; checkpoint: Uint8Array; onnx: Uint8Array } = {
  model: new Uint8Array(),
  checkpoint: new Uint8Array(),
  onnx: new Uint8Array(),
};

beforeAll(async () => {
  const { dir, corpus } = tempCorpus("charrnn-fuzz-", 1500);
  const out = join(dir, "run");
  const trained = await runInProcess([
    "train",
    "--data",
    corpus,
    "--out",
    out,
    ...TINY_MODEL,
    "--max-steps",
    "2",
    "--val-every",
    "2",
  ]);
  expect(trained.code, trained.stderr).toBe(0);
  const exported = await runInProcess(["export", "--model", out, "--onnx", join(dir, "m.onnx")]);
  expect(exported.code, exported.stderr).toBe(0);
  originals.model = new Uint8Array(readFileSync(join(out, "model.safetensors")));
  originals.checkpoint = new Uint8Array(readFileSync(listCheckpoints(join(out, CHECKPOINT_DIR))[0]!.path));
  originals.onnx = new Uint8Array(readFileSync(join(dir, "m.onnx")));
});

/** Writes `value` as a protobuf varint. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return bytes;
}

/**
 * One random mutation: byte flips, a truncation, a forged safetensors header length or header size
 * field, or (protobuf) an inserted length-delimited field claiming gigabytes.
 */
function mutate(
  bytes: Uint8Array,
  rng: Rng,
  kind: "safetensors" | "onnx",
): { bytes: Uint8Array; what: string } {
  const pick = rng.nextInt(kind === "safetensors" ? 5 : 4);
  const copy = bytes.slice();
  if (pick === 0) {
    const n = 1 + rng.nextInt(8);
    for (let i = 0; i < n; i++) copy[rng.nextInt(copy.length)]! ^= 1 + rng.nextInt(255);
    return { bytes: copy, what: `${n} byte flips` };
  }
  if (pick === 1) {
    const length = rng.nextInt(copy.length);
    return { bytes: copy.subarray(0, length), what: `truncated to ${length}` };
  }
  if (pick === 2) {
    // A flip in the first bytes: the safetensors header length, the protobuf's first fields.
    const at = rng.nextInt(Math.min(16, copy.length));
    copy[at] = rng.nextInt(256);
    return { bytes: copy, what: `byte ${at} set to ${copy[at]}` };
  }
  if (kind === "onnx") {
    // A field (random number, wire type 2 = length-delimited) claiming up to 2^35 bytes.
    const field = 1 + rng.nextInt(20);
    const claimed = 2 ** (20 + rng.nextInt(16));
    const at = rng.nextInt(copy.length);
    const inserted = new Uint8Array([...varint(field * 8 + 2), ...varint(claimed)]);
    const out = new Uint8Array(copy.length + inserted.length);
    out.set(copy.subarray(0, at));
    out.set(inserted, at);
    out.set(copy.subarray(at), at + inserted.length);
    return { bytes: out, what: `field ${field} claiming ${claimed} bytes inserted at ${at}` };
  }
  if (pick === 3) {
    // A header length anywhere up to 2^64.
    const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
    view.setUint32(0, rng.nextUint32(), true);
    view.setUint32(4, rng.nextInt(4) === 0 ? rng.nextUint32() : 0, true);
    return { bytes: copy, what: `header length ${view.getUint32(4, true)}:${view.getUint32(0, true)}` };
  }
  // Huge sizes inside the JSON header: a shape dimension or a data offset, same byte length where possible.
  const text = new TextDecoder().decode(copy);
  const numbers = [...text.matchAll(/\d+/g)].filter((m) => (m.index ?? 0) < 8 + 4096);
  const target = numbers[rng.nextInt(numbers.length)]!;
  const huge = String(10 ** (9 + rng.nextInt(8))).slice(0, Math.max(1, target[0].length));
  const forged = new TextEncoder().encode(
    huge.length === target[0].length ? huge : "9".repeat(target[0].length),
  );
  copy.set(forged, target.index!);
  return { bytes: copy, what: `number at ${target.index} set to ${new TextDecoder().decode(forged)}` };
}

/** Runs `parse` on `count` mutations of `original`: each must succeed or throw a CharrnnError, quickly. */
async function fuzz(
  name: string,
  original: () => Uint8Array,
  kind: "safetensors" | "onnx",
  count: number,
  parse: (bytes: Uint8Array, source: string) => unknown,
): Promise<{ accepted: number; rejected: number }> {
  const rng = createRng(SEED + name.length);
  const baseline = process.memoryUsage().rss;
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < count; i++) {
    const { bytes, what } = mutate(original(), rng, kind);
    const label = `${name} case ${i} (seed ${SEED}): ${what}`;
    const started = performance.now();
    try {
      await parse(bytes, `fuzz-${i}`);
      accepted++;
    } catch (error) {
      if (!isCharrnnError(error)) throw new Error(`${label}: not a CharrnnError: ${String(error)}`);
      expect(error.message, label).not.toMatch(/\n/);
      rejected++;
    }
    expect(performance.now() - started, label).toBeLessThan(PARSE_LIMIT_MS);
    if (i % 100 === 0) expect(process.memoryUsage().rss - baseline, label).toBeLessThan(RSS_LIMIT);
  }
  expect(process.memoryUsage().rss - baseline).toBeLessThan(RSS_LIMIT);
  return { accepted, rejected };
}

describe("loaders under fuzzing", () => {
  it("3000 mutated model files: typed errors only, bounded time and memory", async () => {
    const { rejected } = await fuzz(
      "model",
      () => originals.model,
      "safetensors",
      3000,
      (bytes, source) => parseModel(bytes, { source }),
    );
    // Nearly every mutation of a model must be caught (a flip in a float or the padding may not be).
    expect(rejected).toBeGreaterThan(1500);
  });

  it("3000 mutated checkpoints: typed errors only; damage outside the header padding is detected", async () => {
    const { rejected } = await fuzz(
      "checkpoint",
      () => originals.checkpoint,
      "safetensors",
      3000,
      (bytes, source) => decodeCheckpoint(bytes, source),
    );
    expect(rejected).toBeGreaterThan(2500);
  });

  it("2000 mutated .onnx files through the decoder, 300 of them through onnxruntime", async () => {
    await fuzz(
      "onnx-inspect",
      () => originals.onnx,
      "onnx",
      2000,
      (bytes, source) => inspectOnnx(bytes, source),
    );
    const started = performance.now();
    // Without its digest (as another tool would save it), so that flips in the weights reach the
    // runtime; with it, every flip is refused before (the decoder run above covers that path).
    const model = proto.ModelProto.decode(originals.onnx);
    model.metadataProps = model.metadataProps.filter((e) => e.key !== METADATA_KEYS.sha256);
    // A plain copy: protobufjs may hand back a Buffer, whose slice() (used by mutate) aliases it.
    const digestless = new Uint8Array(proto.ModelProto.encode(model).finish());
    const ort = await fuzz(
      "onnx-ort",
      () => digestless,
      "onnx",
      300,
      async (bytes, source) => {
        const { model } = await loadOnnxModel(bytes, { source });
        await model.dispose();
      },
    );
    // Flips in the weights load fine: the runtime really ran on part of the cases.
    expect(ort.accepted).toBeGreaterThan(0);
    // A few hundred runtime loads stay cheap because garbage is refused before the runtime sees it.
    expect(performance.now() - started).toBeLessThan(60_000);
  }, 120_000);
});
