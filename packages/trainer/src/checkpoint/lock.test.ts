import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireDirLock, LOCK_FILE } from "./lock";

const fresh = () => mkdtempSync(join(tmpdir(), "charrnn-lock-"));

describe("acquireDirLock", () => {
  it("creates the lock with our pid and removes it on release", () => {
    const dir = fresh();
    const lock = acquireDirLock(dir);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    acquireDirLock(dir).release();
  });

  it("refuses a directory locked by a live process, naming the directory and the pid", () => {
    const dir = fresh();
    // Our parent is alive for as long as this test runs.
    writeFileSync(join(dir, LOCK_FILE), `${process.ppid}\n`);
    expect(() => acquireDirLock(dir)).toThrow(
      expect.objectContaining({
        code: "OUTDIR_LOCKED",
        message: expect.stringContaining(`outDir ${dir} is in use by process ${process.ppid}`),
      }),
    );
    expect(readFileSync(join(dir, LOCK_FILE), "utf8").trim()).toBe(String(process.ppid));
  });

  it("a second lock from this process fails too", () => {
    const dir = fresh();
    const lock = acquireDirLock(dir);
    expect(() => acquireDirLock(dir)).toThrow(/in use/);
    lock.release();
  });

  it("takes over a stale lock whose process is dead", () => {
    const dir = fresh();
    const child = spawnSync(process.execPath, ["-e", ""]);
    expect(child.pid).toBeGreaterThan(0);
    writeFileSync(join(dir, LOCK_FILE), `${child.pid}\n`);
    const lock = acquireDirLock(dir);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
    lock.release();
  });
});
