import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { disableOrtTelemetry, importOrtNode } from "./load-ort-node";

const loader = fileURLToPath(new URL("./load-ort-node.ts", import.meta.url));
const thisFile = fileURLToPath(import.meta.url);
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "charrnn-ort-node-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs a fresh Node process that loads onnxruntime-node through the loader and creates a session
 * (telemetry starts with the first session), with its own empty HOME and TMPDIR; returns every file
 * that appeared in either.
 */
function litterOfOneSession(telemetryVariable: string | undefined): string[] {
  const dir = mkdtempSync(join(scratch, "run-"));
  const home = join(dir, "home");
  const tmp = join(dir, "tmp");
  mkdirSync(home);
  mkdirSync(tmp);
  // tsx (how the test runs TypeScript) would otherwise cache its transforms in TMPDIR.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, TMPDIR: tmp, TSX_DISABLE_CACHE: "1" };
  delete env.ORT_DISABLE_TELEMETRY;
  // onnxruntime's telemetry stays silent when CI is set (as on CI machines): a user's shell has no CI.
  delete env.CI;
  if (telemetryVariable !== undefined) env.ORT_DISABLE_TELEMETRY = telemetryVariable;
  const script = `
    const { importOrtNode } = await import(${JSON.stringify(loader)});
    const ort = await importOrtNode();
    // Not a model: the session fails to parse it, but the runtime (and its telemetry) has started.
    await ort.InferenceSession.create(Uint8Array.of(1, 2, 3)).catch(() => {});
    process.stdout.write(process.env.ORT_DISABLE_TELEMETRY ?? "unset");`;
  const run = spawnSync(
    process.execPath,
    ["--conditions=@charrnn/source", "--import", "tsx", "--input-type=module", "-e", script],
    {
      env,
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(run.stdout).toBe(telemetryVariable ?? "1");
  return [home, tmp].flatMap((root) =>
    readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => !entry.isDirectory())
      .map((entry) => join(entry.parentPath, entry.name)),
  );
}

describe("importOrtNode", () => {
  it("loads onnxruntime-node with its telemetry off: no file appears in HOME or TMPDIR", () => {
    expect(litterOfOneSession(undefined)).toEqual([]);
  });

  it("leaves a value the user set alone (here telemetry on, which litters the same fresh HOME and TMPDIR)", () => {
    const files = litterOfOneSession("0").map((file) => file.replace(/^.*\/run-[^/]+\//, ""));
    expect(files).toContain(`home/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid`);
    expect(files.some((file) => /^tmp\/mat-debug-\d+\.log$/.test(file))).toBe(true);
  });

  it("a missing module is ORT_NOT_INSTALLED with the install command and the caller's alternative", async () => {
    await expect(
      importOrtNode({ specifier: "@charrnn/no-such-runtime", alternative: "or use the tfjs engine" }),
    ).rejects.toMatchObject({
      code: "ORT_NOT_INSTALLED",
      message:
        "cannot import onnxruntime-node: npm install onnxruntime-node (set ONNXRUNTIME_NODE_INSTALL=skip if its CUDA download fails), or use the tfjs engine",
    });
  });
});

describe("disableOrtTelemetry", () => {
  it("sets ORT_DISABLE_TELEMETRY=1 only when the variable is unset", () => {
    const unset: NodeJS.ProcessEnv = {};
    disableOrtTelemetry(unset);
    expect(unset).toEqual({ ORT_DISABLE_TELEMETRY: "1" });
    for (const value of ["0", ""]) {
      const env: NodeJS.ProcessEnv = { ORT_DISABLE_TELEMETRY: value };
      disableOrtTelemetry(env);
      expect(env.ORT_DISABLE_TELEMETRY).toBe(value);
    }
  });
});

describe("the shared loader", () => {
  it("is the only code that loads onnxruntime-node (type imports aside), in every package and app", () => {
    // A static or dynamic import of it, or a loader's copy (a specifier parameter defaulting to it).
    const loads =
      /^import (?!type )[^;]*?from "onnxruntime-node"|(?<!typeof )import\(\s*"onnxruntime-node"\s*\)|specifier = "onnxruntime-node"/m;
    const code = (path: string): string =>
      readFileSync(path, "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
    const offenders: string[] = [];
    let scanned = 0;
    for (const group of ["packages", "apps"]) {
      for (const pkg of readdirSync(join(repoRoot, group))) {
        const src = join(repoRoot, group, pkg, "src");
        let files: string[];
        try {
          files = readdirSync(src, { recursive: true, encoding: "utf8" });
        } catch {
          continue;
        }
        for (const file of files.filter((f) => /\.(ts|tsx|mts|js|mjs)$/.test(f))) {
          scanned++;
          const path = join(src, file);
          if (path !== loader && path !== thisFile && loads.test(code(path)))
            offenders.push(relative(repoRoot, path));
        }
      }
    }
    expect(scanned).toBeGreaterThan(100);
    expect(offenders).toEqual([]);
  });
});
