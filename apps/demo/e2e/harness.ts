import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort } from "@charrnn/core/node";
import { type Browser, chromium } from "playwright-core";
import { build, type PreviewServer, preview } from "vite";

export const demoDir = fileURLToPath(new URL("..", import.meta.url));
export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
export const modelsDir = fileURLToPath(new URL("../public/models/", import.meta.url));
export const screenshotDir = fileURLToPath(new URL("./screenshots/", import.meta.url));

/** The browser: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium` (`apt-get install chromium`). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(
      `no Chromium at ${executablePath}: install it (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Builds the page (unless `DEMO_E2E_SKIP_BUILD=1`, to test an existing dist/) and serves dist/ with
 * `vite preview` on a free localhost port.
 */
export async function buildAndServe(): Promise<{ url: string; server: PreviewServer }> {
  if (process.env.DEMO_E2E_SKIP_BUILD !== "1") await build({ root: demoDir, logLevel: "warn" });
  const port = await freePort();
  const server = await preview({
    root: demoDir,
    logLevel: "warn",
    preview: { host: "127.0.0.1", port, strictPort: true, open: false },
  });
  return { url: `http://127.0.0.1:${port}/`, server };
}

/** What `charrnn sample --json` writes for these flags (the CLI run from source). */
export function cliSample(args: readonly string[]): string {
  const result = spawnSync(
    process.execPath,
    [
      "--conditions=@charrnn/source",
      "--import",
      "tsx",
      "apps/cli/src/charrnn.ts",
      "sample",
      "--model",
      `${modelsDir}model.safetensors`,
      "--json",
      ...args,
    ],
    { cwd: repoRoot, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`charrnn sample failed: ${result.stderr}`);
  const json = JSON.parse(result.stdout) as { samples: { text: string }[] };
  return json.samples[0]!.text;
}
