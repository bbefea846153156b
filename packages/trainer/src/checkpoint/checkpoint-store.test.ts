import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BEST_CHECKPOINT, CHECKPOINT_DIR, checkpointFileName } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint-format";
import { findLatestCheckpoint, listCheckpoints, readCheckpoint, writeCheckpoint } from "./checkpoint-store";
import { makeCheckpoint, testVocab as vocab } from "./test-checkpoint";

const fresh = () => mkdtempSync(join(tmpdir(), "charrnn-ckpt-"));

describe("checkpoint format", () => {
  it("round-trips every piece of state exactly", () => {
    const ckpt = makeCheckpoint(17);
    const back = decodeCheckpoint(encodeCheckpoint(ckpt), "x.safetensors");
    expect(back.params).toEqual(ckpt.params);
    expect(back.optimizer).toEqual(ckpt.optimizer);
    expect(back.carried).toEqual(ckpt.carried);
    const { params: _p, optimizer: _o, carried: _c, ...rest } = back;
    const { params: _p2, optimizer: _o2, carried: _c2, ...expected } = ckpt;
    expect(rest).toEqual(expected);
    expect(back.vocab.hash).toBe(vocab.hash);
  });

  it("stores a null carried state (shuffle layout)", () => {
    const ckpt = { ...makeCheckpoint(3), carried: null };
    expect(decodeCheckpoint(encodeCheckpoint(ckpt), "x").carried).toBeNull();
  });

  it("detects truncation and flipped bytes", () => {
    const bytes = encodeCheckpoint(makeCheckpoint(5));
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 10), "a.safetensors")).toThrow(
      expect.objectContaining({
        code: "CHECKPOINT_CORRUPT",
        message: expect.stringContaining("a.safetensors"),
      }),
    );
    const flipped = bytes.slice();
    flipped[flipped.length - 5]! ^= 0x40;
    expect(() => decodeCheckpoint(flipped, "b.safetensors")).toThrow(/sha256/);
  });
});

describe("checkpoint store", () => {
  it("keeps the last K periodic checkpoints plus the best one", () => {
    const out = fresh();
    for (const step of [10, 20, 30, 40, 50]) {
      writeCheckpoint(out, makeCheckpoint(step), { keepLast: 2, best: step === 20 });
    }
    const dir = join(out, CHECKPOINT_DIR);
    expect(readdirSync(dir).sort()).toEqual([
      BEST_CHECKPOINT,
      checkpointFileName(40),
      checkpointFileName(50),
    ]);
    expect(readCheckpoint(join(dir, BEST_CHECKPOINT)).progress.step).toBe(20);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([50, 40]);
  });

  it("finds the newest checkpoint, skipping a truncated or corrupted newer one with a warning", () => {
    const out = fresh();
    for (const step of [1, 2, 3]) writeCheckpoint(out, makeCheckpoint(step), { keepLast: 5 });
    const dir = join(out, CHECKPOINT_DIR);
    const newest = join(dir, checkpointFileName(3));
    const bytes = readFileSync(newest);
    writeFileSync(newest, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const middle = join(dir, checkpointFileName(2));
    const damaged = readFileSync(middle);
    damaged[damaged.length - 1]! ^= 1;
    writeFileSync(middle, damaged);
    const warnings: string[] = [];
    const found = findLatestCheckpoint(out, (m) => warnings.push(m));
    expect(found?.checkpoint.progress.step).toBe(1);
    expect(found?.path).toBe(join(dir, checkpointFileName(1)));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(checkpointFileName(3));
  });

  it("falls back to the best checkpoint, and returns undefined when nothing is usable", () => {
    const out = fresh();
    writeCheckpoint(out, makeCheckpoint(4), { keepLast: 1, best: true });
    writeFileSync(join(out, CHECKPOINT_DIR, checkpointFileName(4)), "garbage");
    expect(findLatestCheckpoint(out)?.path).toBe(join(out, CHECKPOINT_DIR, BEST_CHECKPOINT));
    writeFileSync(join(out, CHECKPOINT_DIR, BEST_CHECKPOINT), "");
    expect(findLatestCheckpoint(out)).toBeUndefined();
    expect(findLatestCheckpoint(fresh())).toBeUndefined();
    expect(existsSync(join(out, CHECKPOINT_DIR))).toBe(true);
  });
});
