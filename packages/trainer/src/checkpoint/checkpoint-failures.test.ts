import {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHECKPOINT_DIR, checkpointFileName } from "@charrnn/core";
import type { AtomicWriteFs } from "@charrnn/core/node";
import { decodeSafetensors, encodeSafetensors } from "@charrnn/models";
import { describe, expect, it } from "vitest";
import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint-format";
import { readCheckpoint, removeStaleTempFiles, writeCheckpoint } from "./checkpoint-store";
import { makeCheckpoint } from "./test-checkpoint";

const fresh = () => mkdtempSync(join(tmpdir(), "charrnn-ckpt-fail-"));

/** Node's file operations, except that writes fail with `code` after writing half the bytes. */
function failingFs(code: string): AtomicWriteFs {
  return {
    openSync,
    fsyncSync,
    closeSync,
    renameSync,
    rmSync,
    writeSync(fd, data, offset, length) {
      writeSync(fd, data, offset, Math.floor(length / 2));
      throw Object.assign(new Error(`${code}: simulated`), { code });
    },
  };
}

describe("checkpoint write failures", () => {
  it("disk full: CHECKPOINT_WRITE_FAILED names the directory; earlier checkpoints stay, no partial file", () => {
    const out = fresh();
    const dir = join(out, CHECKPOINT_DIR);
    writeCheckpoint(out, makeCheckpoint(4), { keepLast: 1 });
    const before = readFileSync(join(dir, checkpointFileName(4)));
    let caught: unknown;
    try {
      writeCheckpoint(out, makeCheckpoint(6), { keepLast: 1, best: true, fs: failingFs("ENOSPC") });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: "CHECKPOINT_WRITE_FAILED" });
    expect((caught as Error).message).toBe(
      `cannot write the step 6 checkpoint in ${dir}: disk full (ENOSPC); free some space, then --resume (earlier checkpoints are intact)`,
    );
    // Not pruned (keepLast 1 would have removed step 4 after a successful write), not replaced.
    expect(readdirSync(dir)).toEqual([checkpointFileName(4)]);
    expect(readFileSync(join(dir, checkpointFileName(4)))).toEqual(before);
  });

  it("other write errors keep their message and say to check the directory", () => {
    const out = fresh();
    expect(() => writeCheckpoint(out, makeCheckpoint(2), { keepLast: 2, fs: failingFs("EIO") })).toThrow(
      /cannot write the step 2 checkpoint in .*: EIO: simulated; check that the directory is writable/,
    );
  });

  it("removeStaleTempFiles deletes only the temp files of a killed writer", () => {
    const dir = fresh();
    const names = [
      ".ckpt-00000004.safetensors.123.0.tmp",
      ".best.safetensors.123.1.tmp",
      ".model.safetensors.a1b2c3.tmp",
      ".config.json.9.2.tmp",
      ".metrics.jsonl.9.3.tmp",
      "ckpt-00000002.safetensors",
      ".notes.tmp",
      "draft.tmp",
    ];
    for (const name of names) writeFileSync(join(dir, name), "x");
    removeStaleTempFiles(dir);
    expect(readdirSync(dir).sort()).toEqual([".notes.tmp", "ckpt-00000002.safetensors", "draft.tmp"]);
  });
});

describe("checkpoint metadata integrity", () => {
  it("a changed digit in the metadata JSON is caught by its sha256", () => {
    const bytes = encodeCheckpoint(makeCheckpoint(12));
    const text = new TextDecoder().decode(bytes.subarray(0, 4096));
    // The step is stored as \"step\":12 inside the JSON string of __metadata__.checkpoint.
    const at = text.indexOf('\\"step\\":12');
    expect(at).toBeGreaterThan(0);
    const forged = bytes.slice();
    forged[at + '\\"step\\":1'.length] = "9".charCodeAt(0);
    expect(() => decodeCheckpoint(forged, "forged.safetensors")).toThrow(
      /forged\.safetensors is not a valid checkpoint: metadata does not match its sha256/,
    );
    expect(decodeCheckpoint(bytes, "ok").progress.step).toBe(12);
  });

  it("a file written before the metadata digest existed still reads", () => {
    const { tensors, metadata } = decodeSafetensors(encodeCheckpoint(makeCheckpoint(3)));
    const { checkpointSha256, ...older } = metadata!;
    expect(checkpointSha256).toMatch(/^[0-9a-f]{64}$/);
    const path = join(fresh(), "ckpt.safetensors");
    writeFileSync(path, encodeSafetensors(tensors, older));
    expect(readCheckpoint(path).progress.step).toBe(3);
  });
});
