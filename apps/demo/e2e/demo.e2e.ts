import { mkdirSync, readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import type { PreviewServer } from "vite";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildAndServe, cliSample, launchChromium, modelsDir, screenshotDir } from "./harness";

const PRIME = "ROMEO:";
const SEED = 7;
const TEMPERATURE = 0.8;
const LENGTH = 200;

let browser: Browser;
let server: PreviewServer;
let url: string;
let expected: string;
let page: Page;
let problems: string[];

beforeAll(async () => {
  expected = cliSample([
    "--prime",
    PRIME,
    "--seed",
    String(SEED),
    "--temperature",
    String(TEMPERATURE),
    "--length",
    String(LENGTH),
  ]);
  ({ url, server } = await buildAndServe());
  browser = await launchChromium();
  mkdirSync(screenshotDir, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  problems = [];
  const p = await browser.newPage({ viewport });
  p.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  p.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  p.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
  await p.goto(url);
  await p.waitForSelector('#output[data-engine="ts"][data-model="model.safetensors"]');
  return p;
}

afterEach(async () => {
  await page?.close();
  expect(problems).toEqual([]);
});

async function fill(p: Page, settings: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(settings)) await p.fill(`#${id}`, value);
}

/** Clicks Generate and waits for the text and its per-character view. */
async function generate(p: Page): Promise<string> {
  await p.click("#run");
  await p.waitForSelector('#output[data-state="done"], #output[data-state="failed"]');
  expect(await p.getAttribute("#output", "data-state")).toBe("done");
  return (await p.textContent("#output-generated")) ?? "";
}

const sameAsCli = {
  prime: PRIME,
  seed: String(SEED),
  temperature: String(TEMPERATURE),
  length: String(LENGTH),
};

describe("the built demo page", () => {
  it("generates the same text as `charrnn sample` for the same seed, streaming it in", async () => {
    page = await openPage();
    await fill(page, sameAsCli);
    // Record how the text grows while it is sampled: more than one intermediate length means it streamed.
    await page.evaluate(() => {
      const w = window as unknown as { lengths: number[] };
      w.lengths = [];
      const target = document.getElementById("output-generated")!;
      new MutationObserver(() => w.lengths.push(target.textContent?.length ?? 0)).observe(target, {
        characterData: true,
        childList: true,
        subtree: true,
      });
    });
    const text = await generate(page);
    expect(text).toBe(expected);
    expect(await page.textContent("#output-prime")).toBe(PRIME);
    const lengths = await page.evaluate(() => (window as unknown as { lengths: number[] }).lengths);
    expect(new Set(lengths.filter((n) => n > 0 && n < expected.length)).size).toBeGreaterThan(10);
    expect(await page.textContent("#cli")).toBe(
      `charrnn sample --model model.safetensors --prime ROMEO: --length ${LENGTH} --seed ${SEED} --temperature ${TEMPERATURE}`,
    );
    await page.screenshot({ path: `${screenshotDir}desktop.png`, fullPage: true });
  });

  it("colours every generated character by its probability, with the alternatives", async () => {
    page = await openPage();
    await fill(page, sameAsCli);
    await generate(page);
    const spans = page.locator("#chars span[role=option]");
    expect(await spans.count()).toBe([...expected].length);
    const first = spans.first();
    expect(await first.textContent()).toBe([...expected][0]);
    expect(await first.getAttribute("title")).toMatch(
      /^.+: \d+(\.\d+)?% \(rank \d+, \d+\.\d\d bits\) — top: /,
    );
    const colours = await spans.evaluateAll((els) =>
      els.map((e) => (e as HTMLElement).style.backgroundColor),
    );
    expect(colours.every((c) => c.startsWith("rgb("))).toBe(true);
    expect(new Set(colours).size).toBeGreaterThan(3);
    // Keyboard: focus the list, move right, the detail line follows.
    await page.focus("#chars");
    await page.keyboard.press("ArrowRight");
    expect(await page.getAttribute("#chars", "aria-activedescendant")).toBe("char-1");
    expect(await page.textContent("#char-detail")).toBe(await spans.nth(1).getAttribute("title"));
  });

  it("gives the same text on onnxruntime-web", async () => {
    page = await openPage();
    await page.check('input[name="engine"][value="onnx"]');
    await page.waitForSelector('#output[data-engine="onnx"]');
    await fill(page, sameAsCli);
    expect(await generate(page)).toBe(expected);
    expect(await page.locator("#chars span[role=option]").count()).toBe([...expected].length);
    // Greedy decoding agrees with the CLI too.
    await fill(page, { temperature: "0", length: "60" });
    expect(await generate(page)).toBe(cliSample(["--prime", PRIME, "--greedy", "--length", "60"]));
  });

  it("plots the bundled model's training metrics and a chosen metrics.jsonl", async () => {
    page = await openPage();
    await page.waitForSelector("#metrics-charts svg");
    const bundled = readFileSync(`${modelsDir}metrics.jsonl`, "utf8").trim().split("\n");
    const trainLines = bundled.filter((l) => "trainLoss" in JSON.parse(l)).length;
    const points = await page.getAttribute('polyline[data-series="training loss"]', "points");
    expect(points?.split(" ")).toHaveLength(trainLines);
    expect(await page.locator('polyline[data-series="chars/s"]').count()).toBe(1);

    // A resumed run: step 20 is logged twice, the later line wins.
    const log = [
      { step: 10, epoch: 0, trainLoss: 3, charsPerSec: 1000, elapsed: 1 },
      { step: 20, epoch: 0, trainLoss: 2.9, charsPerSec: 1000, elapsed: 2 },
      { step: 20, epoch: 0, trainLoss: 2.5, charsPerSec: 1200, elapsed: 3 },
      { step: 20, epoch: 0, valLoss: 2.4, valBpc: 3.5, elapsed: 3 },
      { step: 30, epoch: 0, trainLoss: 2.2, charsPerSec: 1100, elapsed: 4 },
    ];
    await page.setInputFiles("#metrics-file", {
      name: "resumed.jsonl",
      mimeType: "application/json",
      buffer: Buffer.from(log.map((l) => JSON.stringify(l)).join("\n")),
    });
    await page.waitForFunction(() =>
      document.getElementById("metrics-source")?.textContent?.includes("resumed"),
    );
    expect(await page.textContent("#metrics-summary")).toContain("best validation loss 2.400 at step 20");
    expect(
      (await page.getAttribute('polyline[data-series="training loss"]', "points"))?.split(" "),
    ).toHaveLength(3);
  });

  it("opens a dropped .onnx and a dropped .safetensors model", async () => {
    page = await openPage();
    await page.setInputFiles("#model-file", {
      name: "dropped.onnx",
      mimeType: "application/octet-stream",
      buffer: readFileSync(`${modelsDir}model.onnx`),
    });
    await page.waitForSelector('#output[data-engine="onnx"][data-model="dropped.onnx"]');
    expect(await page.isDisabled('input[name="engine"][value="ts"]')).toBe(true);
    await fill(page, sameAsCli);
    expect(await generate(page)).toBe(expected);

    await page.setInputFiles("#model-file", {
      name: "dropped.safetensors",
      mimeType: "application/octet-stream",
      buffer: readFileSync(`${modelsDir}model.safetensors`),
    });
    await page.waitForSelector('#output[data-model="dropped.safetensors"]');
    expect(await page.isDisabled('input[name="engine"][value="ts"]')).toBe(false);
    await page.check('input[name="engine"][value="ts"]');
    await page.waitForSelector('#output[data-engine="ts"][data-model="dropped.safetensors"]');
    expect(await generate(page)).toBe(expected);

    // Something that is not a model is refused with a message, not a crash.
    await page.setInputFiles("#model-file", {
      name: "notes.bin",
      mimeType: "text/plain",
      buffer: Buffer.from("hi"),
    });
    await page.waitForSelector("#error:not([hidden])");
    expect(await page.textContent("#error")).toContain("notes.bin is neither a charrnn model");
  });

  it("marks invalid settings and characters the model never saw", async () => {
    page = await openPage();
    await fill(page, { temperature: "-1" });
    await page.click("#run");
    expect(await page.getAttribute("#temperature", "aria-invalid")).toBe("true");
    expect(await page.textContent("#temperature-error")).toContain("Temperature must be a number ≥ 0");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("temperature");
    await fill(page, { temperature: "1", prime: "Zoë" });
    await page.click("#run");
    expect(await page.textContent("#prime-error")).toContain('never saw "ë"');
    // Fixed from the keyboard: Ctrl+Enter in the prime generates, and the error goes away.
    await fill(page, { prime: "Zo", length: "20" });
    await page.focus("#prime");
    await page.keyboard.press("Control+Enter");
    await page.waitForSelector('#output[data-state="done"]');
    expect(await page.isHidden("#prime-error")).toBe(true);
    expect([...((await page.textContent("#output-generated")) ?? "")]).toHaveLength(20);
  });

  it("fits a 390px-wide phone screen", async () => {
    page = await openPage({ width: 390, height: 844 });
    await fill(page, { ...sameAsCli, length: "120" });
    await generate(page);
    await page.waitForSelector("#metrics-charts svg");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${screenshotDir}phone.png`, fullPage: true });
  });
});

describe("training in the page", () => {
  it("trains a tiny model in a worker: the loss falls, samples appear, and the generator can use it", async () => {
    page = await openPage();
    await page.click("#train-start");
    await page.waitForSelector('section.train[data-state="running"]');
    // Start is disabled while training: the keyboard focus moves on to Pause.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("train-pause");
    // Bounded: about 50 updates take 10–20 s on a 2-core machine.
    await page.waitForFunction(
      () => {
        const panel = document.querySelector<HTMLElement>("section.train")!.dataset;
        return Number(panel.step) >= 50 && Number(panel.valLoss) < Number(panel.firstValLoss) - 1;
      },
      undefined,
      { timeout: 60_000, polling: 250 },
    );
    const first = Number(await page.getAttribute("section.train", "data-first-val-loss"));
    // Untrained, the model is about as good as a uniform guess over the excerpt's ~60 characters.
    expect(first).toBeGreaterThan(3.5);
    expect(Number(await page.textContent("#train-val-loss"))).toBeLessThan(first - 1);
    expect(Number(await page.textContent("#train-loss"))).toBeLessThan(first - 0.8);
    expect(Number((await page.textContent("#train-speed"))?.replace(/,/g, ""))).toBeGreaterThan(0);
    expect(await page.locator("#train-chart polyline").count()).toBe(2);
    // A sample from the untrained model and at least one from the trained one, newest first.
    const samples = page.locator("#train-samples .sample-text");
    expect(await samples.count()).toBeGreaterThanOrEqual(2);
    expect([...((await samples.first().textContent()) ?? "")]).toHaveLength(200);
    expect(await page.locator("#train-samples .sample-step").last().textContent()).toMatch(/^Step 0 /);

    await page.click("#train-pause");
    await page.waitForSelector('section.train[data-state="paused"]');
    expect(await page.textContent("#train-start")).toBe("Resume");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("train-start");
    const pausedAt = await page.getAttribute("section.train", "data-step");
    await page.waitForTimeout(600);
    expect(await page.getAttribute("section.train", "data-step")).toBe(pausedAt);
    await page.locator("section.train").screenshot({ path: `${screenshotDir}train.png` });

    await page.click("#train-use");
    await page.waitForSelector('#output[data-engine="ts"][data-model="trained-in-browser.safetensors"]');
    expect(await page.textContent("#model-summary")).toContain(`at step ${pausedAt}`);
    await fill(page, { prime: PRIME, length: "60" });
    expect([...(await generate(page))]).toHaveLength(60);

    await page.click("#train-reset");
    await page.waitForSelector('section.train[data-state="idle"]');
    expect(await page.textContent("#train-step")).toBe("0");
    expect(await page.locator("#train-samples li").count()).toBe(0);
    expect(await page.isEnabled("#train-hidden")).toBe(true);
  });

  it("refuses training text that is too short, beside the text box", async () => {
    page = await openPage();
    await page.fill("#train-text", "Too short to learn anything from.");
    await page.click("#train-start");
    await page.waitForSelector("#train-text-error:not([hidden])");
    expect(await page.textContent("#train-text-error")).toContain("training needs at least");
    expect(await page.getAttribute("#train-text", "aria-invalid")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("train-text");
    expect(await page.getAttribute("section.train", "data-state")).toBe("idle");
  });
});
