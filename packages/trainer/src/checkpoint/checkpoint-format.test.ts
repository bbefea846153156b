import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BEST_CHECKPOINT, CHECKPOINT_DIR, checkpointFileName } from "@charrnn/core";
import { decodeSafetensors, encodeSafetensors } from "@charrnn/models";
import { describe, expect, it } from "vitest";
import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint-format";
import { findLatestCheckpoint } from "./checkpoint-store";
import { makeCheckpoint } from "./test-checkpoint";

describe("checkpoint progress: divergence rollbacks", () => {
  it("round-trips lrScale and rollbacks", () => {
    const ckpt = makeCheckpoint(9);
    ckpt.progress = { ...ckpt.progress, lrScale: 0.25, rollbacks: 2 };
    expect(decodeCheckpoint(encodeCheckpoint(ckpt), "a").progress).toMatchObject({
      lrScale: 0.25,
      rollbacks: 2,
    });
  });

  it("reads a file written before rollbacks existed (neither field)", () => {
    const progress = decodeCheckpoint(encodeCheckpoint(makeCheckpoint(4)), "old").progress;
    expect(progress.step).toBe(4);
    expect(progress.lrScale).toBeUndefined();
    expect(progress.rollbacks).toBeUndefined();
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["lrScale above 1", { lrScale: 2 }, /progress\.lrScale must be a number in \(0, 1\], got 2/],
    ["lrScale 0", { lrScale: 0 }, /progress\.lrScale must be a number in \(0, 1\], got 0/],
    ["lrScale a string", { lrScale: "0.5" }, /progress\.lrScale must be a number in \(0, 1\], got "0\.5"/],
    ["negative rollbacks", { rollbacks: -1 }, /progress\.rollbacks must be an integer ≥ 0, got -1/],
    ["fractional rollbacks", { rollbacks: 1.5 }, /progress\.rollbacks must be an integer ≥ 0, got 1\.5/],
  ];
  for (const [what, fields, message] of bad) {
    it(`refuses ${what} as CHECKPOINT_CORRUPT naming the file`, () => {
      const ckpt = makeCheckpoint(5);
      ckpt.progress = { ...ckpt.progress, ...fields };
      const bytes = encodeCheckpoint(ckpt);
      expect(() => decodeCheckpoint(bytes, "odd.safetensors")).toThrow(
        expect.objectContaining({
          code: "CHECKPOINT_CORRUPT",
          message: expect.stringMatching(/^odd\.safetensors is not a valid checkpoint: /),
        }),
      );
      expect(() => decodeCheckpoint(bytes, "odd.safetensors")).toThrow(message);
    });
  }
});

describe("checkpoint format version", () => {
  it("refuses a version-1 checkpoint (dropout drawn from the step) as CHECKPOINT_FORMAT_OLD, and resume does not skip past it", () => {
    const content = decodeSafetensors(encodeCheckpoint(makeCheckpoint(3)));
    const old = encodeSafetensors(content.tensors, { ...content.metadata, format: "charrnn-checkpoint/1" });
    const expected = expect.objectContaining({
      code: "CHECKPOINT_FORMAT_OLD",
      message: expect.stringMatching(
        /^run\/ckpt\.safetensors was written by an older charrnn .*--init-from$/,
      ),
    });
    expect(() => decodeCheckpoint(old, "run/ckpt.safetensors")).toThrow(expected);
    const dir = mkdtempSync(join(tmpdir(), "charrnn-ckpt-old-"));
    try {
      mkdirSync(join(dir, CHECKPOINT_DIR));
      writeFileSync(join(dir, CHECKPOINT_DIR, checkpointFileName(3)), old);
      writeFileSync(join(dir, CHECKPOINT_DIR, BEST_CHECKPOINT), old);
      expect(() => findLatestCheckpoint(dir)).toThrow(
        expect.objectContaining({ code: "CHECKPOINT_FORMAT_OLD" }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
