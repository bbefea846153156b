import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { runInProcess } from "../test/harness";

/** A run directory whose metrics.jsonl holds these validations (and training lines between them). */
function fakeRun(dir: string, name: string, vals: [step: number, seconds: number, loss: number][]): string {
  const run = join(dir, name);
  mkdirSync(run, { recursive: true });
  const lines = vals.flatMap(([step, elapsed, valLoss]) => [
    { step, epoch: 0, trainLoss: valLoss + 0.1, elapsed },
    { step, epoch: 0, valLoss, elapsed },
  ]);
  writeFileSync(join(run, "metrics.jsonl"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
  return run;
}

type Node = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

/** Every element named `tag` anywhere under `node`. */
function find(node: unknown, tag: string): Node[] {
  if (typeof node !== "object" || node === null) return [];
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    const children = Array.isArray(value) ? value : [value];
    if (key === tag) out.push(...(children as Node[]));
    for (const child of children) out.push(...find(child, tag));
  }
  return out;
}
const textOf = (n: Node | string): string => {
  if (typeof n !== "object") return String(n);
  const t = n["#text"];
  return Array.isArray(t) ? t.join("") : String(t ?? "");
};

/** Each series' polyline points as [x, y] pairs, in drawing order. */
const seriesPoints = (doc: unknown): number[][][] =>
  find(doc, "polyline").map((l) =>
    String(l["@points"])
      .split(" ")
      .map((p) => p.split(",").map(Number)),
  );

describe("charrnn plot", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-plot-"));
  const a = fakeRun(dir, "quick", [
    [100, 30, 2.1],
    [200, 60, 1.8],
    [300, 90, 1.7],
  ]);
  const b = fakeRun(dir, "big", [
    [50, 60, 2.4],
    [100, 120, 1.9],
  ]);

  it("draws one series per run with axis labels and a legend, against minutes or steps", async () => {
    const out = join(dir, "curves.svg");
    const r = await runInProcess(["plot", a, b, "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("2 runs, validation loss against minutes");
    const text = readFileSync(out, "utf8");
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = parser.parse(text);
    const lines = find(doc, "polyline");
    expect(lines.map((l) => l["@data-series"])).toEqual(["quick", "big"]);
    // Points in drawing order: x grows with time, y falls with the loss; 3 and 2 validations.
    const points = seriesPoints(doc);
    expect(points.map((p) => p.length)).toEqual([3, 2]);
    for (const p of points) {
      for (let i = 1; i < p.length; i++) {
        expect(p[i]![0]!).toBeGreaterThan(p[i - 1]![0]!);
        expect(p[i]![1]!).toBeGreaterThan(p[i - 1]![1]!); // SVG y grows downwards: lower loss, larger y
      }
    }
    // "big" reaches 60 s (1 minute) where "quick" is at 2 minutes ... same x for the same minute.
    expect(points[1]![0]![0]).toBeCloseTo(points[0]![1]![0]!, 6);
    const texts = find(doc, "text").map(textOf);
    // The time axis starts at the runs' start: its first tick label is 0.
    expect(
      find(doc, "text")
        .filter((t) => t["@text-anchor"] === "middle" && /^[\d.]+$/.test(textOf(t)))
        .map(textOf)[0],
    ).toMatch(/^0(\.0+)?$/);
    expect(texts).toContain("training time (minutes)");
    expect(texts).toContain("validation loss (nats/token)");
    const legend = find(doc, "text")
      .filter((t) => t["@class"] === "chart-legend")
      .map(textOf);
    expect(legend).toEqual(["quick", "big"]);
    expect(find(doc, "svg")[0]!["@width"]).toBe("720");

    const steps = join(dir, "steps.svg");
    expect((await runInProcess(["plot", a, b, "--out", steps, "--x", "steps"])).code).toBe(0);
    const byStep = parser.parse(readFileSync(steps, "utf8"));
    expect(find(byStep, "text").map(textOf)).toContain("steps");
    const stepPoints = seriesPoints(byStep).map((p) => p.map(([x]) => x!));
    // Against steps, "big"'s step 100 lines up with "quick"'s step 100.
    expect(stepPoints[1]![1]).toBeCloseTo(stepPoints[0]![0]!, 6);
  });

  it("against tokens, scales each run's steps by its own batch × seq from config.json", async () => {
    // quick: 32 × 50 = 1,600 tokens a step; big: 64 × 100 = 6,400, so big's step 50 (320,000
    // tokens) lines up with quick's step 200, and big's step 100 lies past quick's last point.
    writeFileSync(join(a, "config.json"), JSON.stringify({ settings: { batch: 32, seq: 50 } }));
    writeFileSync(join(b, "config.json"), JSON.stringify({ settings: { batch: 64, seq: 100 } }));
    const out = join(dir, "tokens.svg");
    const r = await runInProcess(["plot", a, b, "--out", out, "--x", "tokens"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("validation loss against tokens");
    const doc = parser.parse(readFileSync(out, "utf8"));
    expect(find(doc, "text").map(textOf)).toContain("tokens trained (millions)");
    const xs = seriesPoints(doc).map((p) => p.map(([x]) => x!));
    expect(xs[1]![0]).toBeCloseTo(xs[0]![1]!, 6);
    expect(xs[1]![1]).toBeGreaterThan(xs[0]![2]!);
    // quick's steps 100, 200, 300 are evenly spaced: 0.16, 0.32, 0.48 million tokens.
    expect(xs[0]![2]! - xs[0]![1]!).toBeCloseTo(xs[0]![1]! - xs[0]![0]!, 6);
  });

  it("skips a torn last line and names runs with the same directory name by their paths", async () => {
    const other = fakeRun(join(dir, "second"), "quick", [
      [10, 5, 3],
      [20, 10, 2.5],
    ]);
    writeFileSync(join(other, "metrics.jsonl"), '{"step": 30, "valLo', { flag: "a" });
    const out = join(dir, "same.svg");
    const r = await runInProcess(["plot", a, other, "--out", out]);
    expect(r.code).toBe(0);
    const doc = parser.parse(readFileSync(out, "utf8"));
    expect(find(doc, "polyline").map((l) => l["@data-series"])).toEqual([a, other]);
  });

  it("bad inputs are one line naming the path, and no file is written", async () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    const noVal = join(dir, "noval");
    mkdirSync(noVal);
    writeFileSync(
      join(noVal, "metrics.jsonl"),
      `${JSON.stringify({ step: 10, epoch: 0, trainLoss: 3, elapsed: 1 })}\n`,
    );
    const noConfig = fakeRun(dir, "noconfig", [[10, 5, 2]]);
    const missing = join(dir, "missing");
    const out = join(dir, "bad.svg");
    const cases: [string[], number, string][] = [
      [[a, missing], 1, `run ${missing} does not exist`],
      [[a, empty], 1, `${empty} has no metrics.jsonl`],
      [[noVal], 1, `${join(noVal, "metrics.jsonl")} has no validation loss yet`],
      [[a, "--x", "hours"], 2, "--x must be one of minutes, steps, tokens"],
      [[noConfig, "--x", "tokens"], 1, `${join(noConfig, "config.json")} is missing`],
    ];
    for (const [args, code, message] of cases) {
      const r = await runInProcess(["plot", ...args, "--out", out]);
      expect(r.code, message).toBe(code);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split("\n"), message).toHaveLength(1);
    }
    const noDir = join(dir, "nowhere", "x.svg");
    const r = await runInProcess(["plot", a, "--out", noDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(dir, "nowhere"));
    expect((await runInProcess(["plot", a])).stderr).toMatch(/--out FILE is required/);
    expect(() => readFileSync(out)).toThrow();
  });
});
