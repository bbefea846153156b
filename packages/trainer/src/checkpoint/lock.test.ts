import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { LOCK_FILE } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import { acquireDirLock } from "./lock";

const taker = fileURLToPath(new URL("./lock-taker.ts", import.meta.url));

/** The pid of a process that has exited, so a lock holding it is stale. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  expect(child.pid).toBeGreaterThan(0);
  return child.pid!;
}

/** Reads `child`'s stdout lines; `next()` resolves with the next one. */
function lineReader(child: ChildProcess): () => Promise<string> {
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`taker ${child.pid} exited early`);
    return value;
  };
}

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
    writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
    const lock = acquireDirLock(dir);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
    lock.release();
  });

  it("with a stale lock, many processes taking it over at the same instant: exactly one wins, every time", async () => {
    const TAKERS = 6;
    const TRIALS = 30;
    const dirs = Array.from({ length: TRIALS }, () => {
      const dir = fresh();
      writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
      return dir;
    });
    const children = Array.from({ length: TAKERS }, () =>
      spawn(process.execPath, ["--conditions=@charrnn/source", "--import", "tsx", taker], {
        stdio: ["pipe", "pipe", "inherit"],
      }),
    );
    const closed = children.map((child) => new Promise((resolve) => child.once("close", resolve)));
    const readers = children.map(lineReader);
    expect(await Promise.all(readers.map((next) => next()))).toEqual(children.map(() => "ready"));
    const start = Date.now() + 300;
    for (const child of children) child.stdin!.write(`${JSON.stringify({ dirs, start, gapMs: 40 })}\n`);
    const outcomes = (await Promise.all(readers.map((next) => next()))).map(
      (line) => JSON.parse(line) as string[],
    );
    // Only now may the winners exit (and their locks become stale).
    for (const child of children) child.stdin!.end();
    const winners = dirs.map((_, trial) => outcomes.filter((o) => o[trial] === "won").length);
    expect(winners).toEqual(dirs.map(() => 1));
    for (let trial = 0; trial < TRIALS; trial++) {
      const byTaker = outcomes.map((o) => o[trial]!);
      expect(
        byTaker.filter((o) => o !== "won").every((o) => o === "OUTDIR_LOCKED"),
        `${byTaker}`,
      ).toBe(true);
      // The lock names the winner.
      const winner = children[byTaker.indexOf("won")]!.pid;
      expect(readFileSync(join(dirs[trial]!, LOCK_FILE), "utf8")).toBe(`${winner}\n`);
    }
    await Promise.all(closed);
    // No temp file of a takeover is left.
    for (const dir of dirs) expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });
});
