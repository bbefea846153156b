import { createHash } from "node:crypto";
import { CharrnnError, type RngState } from "@charrnn/core";
import {
  decodeSafetensors,
  encodeSafetensors,
  hashTensors,
  type ModelConfig,
  type NamedTensors,
  type RnnState,
} from "@charrnn/models";
import type { VocabJSON } from "@charrnn/vocab";
import type { ClassificationReport } from "../classify/metrics";
import type { OptimizerState } from "../engine/types";
import type { TrainSettings } from "../loop/settings";
import type { LrScheduleState } from "../schedule/lr-schedule";

/**
 * `__metadata__.format` of a checkpoint file. Version 2: dropout draws from its own seed stream
 * (`SEED_STREAMS.dropout`); version-1 runs drew it from the step number, so they cannot continue
 * bit for bit and are refused with CHECKPOINT_FORMAT_OLD.
 */
export const CHECKPOINT_FORMAT = "charrnn-checkpoint/2";
const OLD_CHECKPOINT_FORMATS = new Set(["charrnn-checkpoint/1"]);

/** Where a run stands: the next update is number `step + 1`, on window `window` of epoch `epoch`. */
export interface TrainProgress {
  /** Updates done so far. */
  step: number;
  /** 0-based epoch the next update belongs to. */
  epoch: number;
  /** Index, within the epoch, of the next training window (the data cursor). */
  window: number;
  /** Seconds of training so far, over every session of the run. */
  elapsed: number;
  /** Training tokens consumed so far. */
  tokens: number;
  /**
   * Factor on the scheduled learning rate: halved by each divergence rollback (`onDiverge: "rollback"`).
   * Absent in files written before rollbacks existed. @defaultValue 1
   */
  lrScale?: number;
  /** Divergence rollbacks done so far, over every session of the run. @defaultValue 0 */
  rollbacks?: number;
}

/** Validation bookkeeping shared by early stopping and best-model tracking. */
export interface ValidationState {
  /** Best validation loss (nats/token) and the step it was measured at; `null` before any. */
  bestLoss: number | null;
  bestStep: number;
  /** Validations in a row without a new best (early stopping's counter). */
  badEvals: number;
  /** Step of the latest validation (−1: none), so the end of an epoch does not validate twice. */
  lastStep: number;
  /**
   * A classifier's report of its best validation (the one `bestLoss` belongs to): best means higher
   * accuracy, then lower loss.
   */
  bestReport?: ClassificationReport;
}

/** Everything a run needs to continue exactly where it stopped. */
export interface Checkpoint {
  config: ModelConfig;
  vocab: VocabJSON;
  settings: TrainSettings;
  params: NamedTensors;
  optimizer: OptimizerState;
  /** RNN state carried between windows of the training streams (`stream` layout), else `null`. */
  carried: RnnState | null;
  progress: TrainProgress;
  schedule: LrScheduleState;
  /** State of the run's RNG (sampling), for `createRng(state)`. */
  rng: RngState;
  validation: ValidationState;
}

interface CheckpointMeta {
  format: string;
  config: ModelConfig;
  vocab: VocabJSON;
  vocabHash: string;
  settings: TrainSettings;
  progress: TrainProgress;
  schedule: LrScheduleState;
  rng: RngState;
  validation: ValidationState;
  optimizer: { kind: OptimizerState["kind"]; step: number };
  carried: { layers: number; batch: number; hidden: number } | null;
  /** sha256 of the tensor data, so a flipped byte is caught, not just a truncation. */
  dataSha256: string;
}

/**
 * `__metadata__` key holding the sha256 of the `checkpoint` JSON, so a flipped byte in the metadata
 * (a step count, a setting) is caught like one in the tensors. Files written before it existed lack it.
 */
const META_SHA_KEY = "checkpointSha256";

/**
 * Encodes a checkpoint as one safetensors file: `param/<name>` for the weights, `optim/<param>/<slot>`
 * for optimizer slots, `state/h` and `state/c` for the carried state; the rest is JSON in
 * `__metadata__.checkpoint`, with a sha256 of the tensor bytes.
 */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const tensors: NamedTensors = new Map();
  for (const [name, t] of ckpt.params) tensors.set(`param/${name}`, t);
  for (const [key, data] of ckpt.optimizer.slots) tensors.set(`optim/${key}`, { shape: [data.length], data });
  const carried = ckpt.carried;
  if (carried) {
    const shape = [carried.layers, carried.batch, carried.hidden];
    tensors.set("state/h", { shape, data: carried.h });
    if (carried.c) tensors.set("state/c", { shape, data: carried.c });
  }
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    config: ckpt.config,
    vocab: ckpt.vocab,
    vocabHash: ckpt.vocab.hash ?? "",
    settings: ckpt.settings,
    progress: ckpt.progress,
    schedule: ckpt.schedule,
    rng: ckpt.rng,
    validation: ckpt.validation,
    optimizer: { kind: ckpt.optimizer.kind, step: ckpt.optimizer.step },
    carried: carried ? { layers: carried.layers, batch: carried.batch, hidden: carried.hidden } : null,
    dataSha256: "",
  };
  meta.dataSha256 = digest(tensors);
  const json = JSON.stringify(meta);
  return encodeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    checkpoint: json,
    [META_SHA_KEY]: sha256Hex(json),
  });
}

/**
 * Decodes and verifies a checkpoint. A damaged file (truncated, bad header, digest mismatch, missing
 * tensors) is a `CharrnnError` "CHECKPOINT_CORRUPT" naming `source`.
 */
export function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  const corrupt = (why: string): CharrnnError =>
    new CharrnnError("CHECKPOINT_CORRUPT", `${source} is not a valid checkpoint: ${why}`);
  let tensors: NamedTensors;
  let metadata: Record<string, string>;
  try {
    const content = decodeSafetensors(bytes, { source });
    tensors = content.tensors;
    metadata = content.metadata ?? {};
  } catch (error) {
    throw corrupt((error as Error).message);
  }
  if (OLD_CHECKPOINT_FORMATS.has(metadata.format ?? "")) {
    throw new CharrnnError(
      "CHECKPOINT_FORMAT_OLD",
      `${source} was written by an older charrnn (${metadata.format}; this version writes ${CHECKPOINT_FORMAT} and draws dropout differently), so the run cannot resume exactly; train into a new --out, or fine-tune from its model with --init-from`,
    );
  }
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw corrupt(`format is ${JSON.stringify(metadata.format)}, expected "${CHECKPOINT_FORMAT}"`);
  }
  const json = metadata.checkpoint ?? "";
  const metaSha = metadata[META_SHA_KEY];
  if (metaSha !== undefined && metaSha !== sha256Hex(json)) {
    throw corrupt("metadata does not match its sha256 (damaged file)");
  }
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(json) as CheckpointMeta;
  } catch {
    throw corrupt("unreadable metadata");
  }
  if (typeof meta !== "object" || meta === null || Array.isArray(meta))
    throw corrupt("metadata is not an object");
  if (meta.dataSha256 !== digest(tensors))
    throw corrupt("tensor data does not match its sha256 (damaged file)");
  try {
    return assemble(meta, tensors, corrupt);
  } catch (error) {
    // A field missing from hand-edited (or pre-digest) metadata must not surface as a TypeError.
    if (error instanceof CharrnnError) throw error;
    throw corrupt(`incomplete metadata (${(error as Error).message})`);
  }
}

function assemble(
  meta: CheckpointMeta,
  tensors: NamedTensors,
  corrupt: (why: string) => CharrnnError,
): Checkpoint {
  const params: NamedTensors = new Map();
  const slots = new Map<string, Float32Array>();
  for (const [name, t] of tensors) {
    if (name.startsWith("param/")) params.set(name.slice(6), t);
    else if (name.startsWith("optim/")) slots.set(name.slice(6), t.data);
  }
  const { lrScale, rollbacks } = meta.progress;
  if (lrScale !== undefined && !(typeof lrScale === "number" && lrScale > 0 && lrScale <= 1)) {
    throw corrupt(`progress.lrScale must be a number in (0, 1], got ${JSON.stringify(lrScale)}`);
  }
  if (rollbacks !== undefined && !(Number.isSafeInteger(rollbacks) && rollbacks >= 0)) {
    throw corrupt(`progress.rollbacks must be an integer ≥ 0, got ${JSON.stringify(rollbacks)}`);
  }
  let carried: RnnState | null = null;
  if (meta.carried) {
    const h = tensors.get("state/h");
    if (!h) throw corrupt("carried state state/h is missing");
    carried = { ...meta.carried, h: h.data };
    const c = tensors.get("state/c");
    if (c) carried.c = c.data;
  }
  return {
    config: meta.config,
    vocab: meta.vocab,
    settings: meta.settings,
    params,
    optimizer: { kind: meta.optimizer.kind, step: meta.optimizer.step, slots },
    carried,
    progress: meta.progress,
    schedule: meta.schedule,
    rng: meta.rng,
    validation: meta.validation,
  };
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** sha256 over every tensor's name, shape and float32 bytes, in order (`hashTensors`, native sha256). */
function digest(tensors: NamedTensors): string {
  const hash = createHash("sha256");
  hashTensors(tensors, hash);
  return hash.digest("hex");
}
