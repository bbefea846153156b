// Measures the demo in headless Chromium (not a test; no timing is asserted anywhere): training
// chars/s on each engine the training form offers, and generation chars/s for 2,000 characters on
// each engine the generator offers. Builds the page, serves it on a free port, prints a Markdown
// table and the JSON. From the repository root:
//
//   npx tsx apps/demo/scripts/measure-browser.ts [--train-seconds 25] [--runs 3]
//
// Set CHROMIUM_PATH for a browser other than /usr/bin/chromium.
import { cpus, totalmem } from "node:os";
import type { Page } from "playwright-core";
import { buildAndServe, launchChromium } from "../e2e/harness";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const TRAIN_SECONDS = flag("--train-seconds", 25);
const RUNS = flag("--runs", 3);
const GENERATE_LENGTH = 2000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function ready(page: Page): Promise<void> {
  // Whichever engine the page starts on (the WebAssembly one where the browser has SIMD).
  await page.waitForSelector('#output[data-engine][data-model="model.safetensors"]');
  await page.evaluate(() => {
    (document.getElementById("advanced") as HTMLDetailsElement).open = true;
  });
}

async function measureGeneration(page: Page, engine: string): Promise<number> {
  await page.check(`input[name="engine"][value="${engine}"]`);
  await page.waitForSelector(`#output[data-engine="${engine}"]`);
  await page.fill("#length", String(GENERATE_LENGTH));
  const speeds: number[] = [];
  // One warm-up run (session creation, JIT), then the measured ones.
  for (let run = 0; run <= RUNS; run++) {
    await page.fill("#seed", String(run + 1));
    await page.click("#run");
    await page.waitForSelector('#output[data-state="running"]');
    await page.waitForSelector('#output[data-state="done"]', { timeout: 120_000 });
    if (run > 0) speeds.push(Number(await page.getAttribute("#output", "data-chars-per-sec")));
  }
  return median(speeds);
}

async function measureTraining(
  page: Page,
  choice: string,
): Promise<{ engine: string; charsPerSec: number; steps: number }> {
  await page.selectOption("#train-engine", choice);
  await page.click("#train-start");
  await page.waitForSelector("section.train[data-engine]", { timeout: 60_000 });
  // The panel's chars/s is over the last 10 updates (validation and samples excluded): sample it once a second.
  const speeds: number[] = [];
  const started = Date.now();
  while (Date.now() - started < TRAIN_SECONDS * 1000) {
    await page.waitForTimeout(1000);
    const text = (await page.textContent("#train-speed")) ?? "";
    const value = Number(text.replace(/,/g, ""));
    if (value > 0) speeds.push(value);
  }
  const engine = (await page.getAttribute("section.train", "data-engine")) ?? "?";
  const steps = Number(await page.getAttribute("section.train", "data-step"));
  await page.click("#train-pause");
  await page.waitForSelector('section.train[data-state="paused"]');
  await page.click("#train-reset");
  await page.waitForSelector('section.train[data-state="idle"]');
  // The first readings include the first sessions' creation.
  return { engine, charsPerSec: median(speeds.slice(Math.floor(speeds.length / 3))), steps };
}

const { url, server } = await buildAndServe();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await ready(page);
  const isolated = await page.evaluate(() => crossOriginIsolated);
  const generation: { engine: string; charsPerSec: number }[] = [];
  for (const engine of await page.$$eval('input[name="engine"]', (els) =>
    els.map((e) => (e as HTMLInputElement).value),
  )) {
    generation.push({ engine, charsPerSec: await measureGeneration(page, engine) });
  }
  const training: { choice: string; engine: string; charsPerSec: number; steps: number }[] = [];
  for (const choice of await page.$$eval("#train-engine option", (els) =>
    els.map((e) => (e as HTMLOptionElement).value),
  )) {
    training.push({ choice, ...(await measureTraining(page, choice)) });
  }
  const result = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    browser: `Chromium ${browser.version()} headless`,
    crossOriginIsolated: isolated,
    generation: { length: GENERATE_LENGTH, runs: RUNS, results: generation },
    training: {
      seconds: TRAIN_SECONDS,
      settings: "GRU 1×96, seq 32, batch 16 (the form's defaults)",
      results: training,
    },
  };
  console.log("| what | engine | chars/s |\n| --- | --- | --- |");
  for (const g of generation)
    console.log(
      `| generate ${GENERATE_LENGTH} chars (median of ${RUNS}) | ${g.engine} | ${g.charsPerSec.toLocaleString("en-US")} |`,
    );
  for (const t of training)
    console.log(
      `| train (${t.steps} steps in ${TRAIN_SECONDS} s) | ${t.engine} | ${Math.round(t.charsPerSec).toLocaleString("en-US")} |`,
    );
  console.log(JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  await server.close();
}
