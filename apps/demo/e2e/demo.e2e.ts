import { mkdirSync, readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import type { PreviewServer } from "vite";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { buildAndServe, cliSample, launchChromium, modelsDir, screenshotDir } from "./harness";

const PRIME = "ROMEO:";
const SEED = 7;
const TEMPERATURE = 0.8;
const LENGTH = 200;

let browser: Browser;
let server: PreviewServer;
let url: string;
/** The CLI flags of the page's settings below (`sameAsCli`). */
const SAME_AS_PAGE = [
  "--prime",
  PRIME,
  "--seed",
  String(SEED),
  "--temperature",
  String(TEMPERATURE),
  "--length",
  String(LENGTH),
];

let expected: string;
let page: Page;
let problems: string[];

beforeAll(async () => {
  expected = cliSample(SAME_AS_PAGE);
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
  // The sampler's WebAssembly SIMD engine is the default: Chromium has WebAssembly SIMD.
  await p.waitForSelector('#output[data-engine="wasm"][data-model="model.safetensors"]');
  return p;
}

afterEach(async () => {
  await page?.close();
  expect(problems).toEqual([]);
});

async function fill(p: Page, settings: Record<string, string>): Promise<void> {
  // Most settings are under "Advanced settings".
  await p.evaluate(() => {
    (document.getElementById("advanced") as HTMLDetailsElement).open = true;
  });
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
  it("generates the same text as `charrnn sample` for the same seed", async () => {
    page = await openPage();
    await fill(page, sameAsCli);
    const text = await generate(page);
    expect(text).toBe(expected);
    expect(await page.textContent("#output-prime")).toBe(PRIME);
    expect(await page.textContent("#cli")).toBe(
      `charrnn sample --model apps/demo/public/models/model.safetensors --prime ROMEO: --length ${LENGTH} --seed ${SEED} --temperature ${TEMPERATURE}`,
    );
    await page.screenshot({ path: `${screenshotDir}desktop.png`, fullPage: true });
  });

  it("writes 2,000 characters on every engine, painting as it goes, and says how fast", async () => {
    page = await openPage();
    const engines = await page.$$eval('input[name="engine"]', (els) =>
      els.map((e) => (e as HTMLInputElement).value),
    );
    expect(engines).toEqual(["wasm", "ts", "onnx"]);
    await fill(page, { prime: PRIME, length: "2000", seed: "1" });
    // The text's length at each painted frame: a partial length means the page painted mid-run.
    await page.evaluate(() => {
      const w = window as unknown as { painted: number[] };
      w.painted = [];
      const target = document.getElementById("output-generated")!;
      const tick = () => {
        w.painted.push(target.textContent?.length ?? 0);
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    for (const engine of engines) {
      await page.check(`input[name="engine"][value="${engine}"]`);
      await page.waitForSelector(`#output[data-engine="${engine}"]`);
      await page.evaluate(() => {
        (window as unknown as { painted: number[] }).painted = [];
      });
      expect([...(await generate(page))], engine).toHaveLength(2000);
      const painted = await page.evaluate(() => (window as unknown as { painted: number[] }).painted);
      expect(
        painted.some((n) => n > 0 && n < 2000),
        engine,
      ).toBe(true);
      expect(Number(await page.getAttribute("#output", "data-chars-per-sec"))).toBeGreaterThan(0);
      expect(await page.textContent("#run-status")).toMatch(
        /^Wrote 2,000 characters in \d+\.\d\d s \([\d,]+ chars\/s\) with the .+ engine\.$/,
      );
    }
  });

  it("shows the text once; a toggle colours it by probability; the alternatives show as bars", async () => {
    page = await openPage();
    await fill(page, sameAsCli);
    await generate(page);
    const spans = page.locator("#output-generated span[data-index]");
    expect(await spans.count()).toBe([...expected].length);
    expect(await page.textContent("#output-generated")).toBe(expected);
    // No second copy of the text on the page.
    expect(await page.locator("#chars").count()).toBe(0);
    const backgrounds = () => spans.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    expect(new Set(await backgrounds())).toEqual(new Set(["rgba(0, 0, 0, 0)"]));
    await page.check("#colour-toggle");
    const colours = await backgrounds();
    expect(colours.every((c) => c.startsWith("rgb("))).toBe(true);
    expect(new Set(colours).size).toBeGreaterThan(3);
    // Pointing at a character shows its alternatives as bars.
    await spans.nth(3).hover();
    expect(await page.textContent("#char-detail .char-line")).toMatch(
      /^.+: \d+(\.\d+)?% \(rank \d+, \d+\.\d\d bits\) — top: /,
    );
    expect(await page.locator("#char-detail .alternatives li").count()).toBe(5);
    const widths = await page
      .locator("#char-detail .alt-bar")
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).getBoundingClientRect().width));
    expect(widths[0]!).toBeGreaterThan(widths[4]!);
    // Keyboard: the output is the tab stop after the toggle; the arrow keys move the highlighted character.
    await page.focus("#colour-toggle");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("output");
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowRight");
    expect(await page.getAttribute("#output-generated span.active", "data-index")).toBe("1");
    expect(await page.textContent("#char-detail .char-line")).toMatch(/^.+: \d/);
    await page.screenshot({ path: `${screenshotDir}coloured.png` });
  });

  it("gives the same text on the plain-TypeScript engine as `charrnn sample --engine ts`", async () => {
    page = await openPage();
    await page.check('input[name="engine"][value="ts"]');
    await page.waitForSelector('#output[data-engine="ts"]');
    await fill(page, sameAsCli);
    expect(await generate(page)).toBe(cliSample([...SAME_AS_PAGE, "--engine", "ts"]));
  });

  it("gives the same text on onnxruntime-web", async () => {
    page = await openPage();
    await page.check('input[name="engine"][value="onnx"]');
    await page.waitForSelector('#output[data-engine="onnx"]');
    await fill(page, sameAsCli);
    expect(await generate(page)).toBe(expected);
    expect(await page.locator("#output-generated span[data-index]").count()).toBe([...expected].length);
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
    await page.waitForSelector("#model-error:not([hidden])");
    expect(await page.textContent("#model-error")).toContain("notes.bin is neither a charrnn model");

    // A file that looks like a model but is not: a sentence, with the raw message under Details.
    const fake = Buffer.alloc(64, 0x41);
    fake.writeBigUInt64LE(14975156114790242000n, 0);
    fake[8] = 0x7b;
    await page.setInputFiles("#model-file", {
      name: "holiday.safetensors",
      mimeType: "application/octet-stream",
      buffer: fake,
    });
    await page.waitForFunction(() =>
      document.getElementById("model-error")?.textContent?.includes("holiday"),
    );
    expect(await page.textContent("#model-error p")).toMatch(
      /^holiday\.safetensors is not a model file this page can read/,
    );
    expect(await page.textContent("#model-error details code")).toMatch(/header length \d+ exceeds/);
    // The error is beside the file picker, on screen, not in a header far above it.
    const [picker, box] = await Promise.all([
      page.locator("#model-file").boundingBox(),
      page.locator("#model-error").boundingBox(),
    ]);
    expect(Math.abs(box!.y - picker!.y)).toBeLessThan(200);
    expect(await page.locator("#model-error").isVisible()).toBe(true);
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

  it("fits a 390px-wide phone screen, and brings the output into view after Generate", async () => {
    page = await openPage({ width: 390, height: 844 });
    await fill(page, { ...sameAsCli, length: "120" });
    // The settings are open, so the output starts below the screen.
    await page.evaluate(() => window.scrollTo(0, 0));
    expect((await page.locator("#output").boundingBox())!.y).toBeGreaterThan(844);
    await generate(page);
    const out = await page.locator("#output").boundingBox();
    expect(out!.y).toBeGreaterThanOrEqual(0);
    expect(out!.y).toBeLessThan(844);
    await page.waitForSelector("#metrics-charts svg");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${screenshotDir}phone.png`, fullPage: true });
  });
});

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

describe("a page that guides the visitor", () => {
  it.each([
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ])(
    "puts Generate and the output on the first screen (%s), with a hint in the empty output",
    async (name, size) => {
      page = await openPage(size);
      const run = (await page.locator("#run").boundingBox())!;
      const out = (await page.locator("#output").boundingBox())!;
      expect(run.y + run.height).toBeLessThanOrEqual(size.height);
      expect(out.y + 40).toBeLessThanOrEqual(size.height);
      expect(await page.isVisible("#output-hint")).toBe(true);
      expect(await page.textContent("#output-hint")).toContain("Press Generate");
      expect(await page.getAttribute("#advanced", "open")).toBeNull();
      await page.screenshot({ path: `${screenshotDir}first-screen-${name}.png` });
      await page.click("#run");
      await page.waitForSelector('#output[data-state="done"]');
      expect(await page.isVisible("#output-hint")).toBe(false);
    },
  );

  it.each([
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ])("has no serious or critical axe-core violations (%s)", async (_name, size) => {
    page = await openPage(size);
    await fill(page, { ...sameAsCli, length: "120" });
    await generate(page);
    await page.check("#colour-toggle");
    await page.locator("#output-generated span[data-index]").nth(2).click();
    await page.waitForSelector("#metrics-charts svg");
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("keeps keyboard focus and the engine while a run goes (Enter on Generate)", async () => {
    page = await openPage();
    await fill(page, { length: "5000" });
    await page.focus("#run");
    await page.keyboard.press("Enter");
    const during = await page.evaluate(() => ({
      state: document.getElementById("output")!.dataset.state,
      focus: document.activeElement?.id,
      radios: [...document.querySelectorAll<HTMLInputElement>('input[name="engine"]')].map((r) => r.disabled),
    }));
    expect(during).toMatchObject({ state: "running", focus: "stop" });
    expect(during.radios.length).toBeGreaterThan(1);
    expect(during.radios.every((disabled) => disabled)).toBe(true);
    await page.waitForSelector('#output[data-state="done"]');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("run");
    expect(await page.isEnabled('input[name="engine"][value="onnx"]')).toBe(true);
  });

  it("greys out the label of an engine the model cannot run on", async () => {
    page = await openPage();
    const colour = (value: string) =>
      page.$eval(
        `input[name="engine"][value="${value}"]`,
        (input) => getComputedStyle(input.parentElement!).color,
      );
    expect(await colour("ts")).toBe(await colour("onnx"));
    await page.setInputFiles("#model-file", {
      name: "dropped.onnx",
      mimeType: "application/octet-stream",
      buffer: readFileSync(`${modelsDir}model.onnx`),
    });
    await page.waitForSelector('#output[data-engine="onnx"][data-model="dropped.onnx"]');
    expect(await colour("ts")).toBe("rgb(107, 107, 107)");
    expect(await colour("onnx")).not.toBe("rgb(107, 107, 107)");
  });

  it("tells the visitor's own model from the bundled one, in the summary and the command line", async () => {
    page = await openPage();
    expect(await page.textContent("#model-summary")).toMatch(/^The bundled model \(model\.safetensors\): /);
    expect(await page.textContent("#cli")).toContain("--model apps/demo/public/models/model.safetensors");
    await page.setInputFiles("#model-file", {
      name: "model.safetensors",
      mimeType: "application/octet-stream",
      buffer: readFileSync(`${modelsDir}model.safetensors`),
    });
    await page.waitForSelector('#model-summary[data-origin="file"]');
    expect(await page.textContent("#model-summary")).toMatch(/^Your model, model\.safetensors: /);
    expect(await page.textContent("#cli")).toMatch(/^charrnn sample --model model\.safetensors /);
    expect(await page.textContent("#model-status")).toContain("Opened model.safetensors");
    await page.click("#reset-model");
    await page.waitForSelector('#model-summary[data-origin="bundled"]');
    expect(await page.textContent("#cli")).toContain("--model apps/demo/public/models/model.safetensors");
  });

  it("says 1 step, not 1 steps", async () => {
    page = await openPage();
    await page.setInputFiles("#metrics-file", {
      name: "one.jsonl",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify({ step: 1, epoch: 0, trainLoss: 3, charsPerSec: 900, elapsed: 1 })),
    });
    await page.waitForFunction(() => document.getElementById("metrics-source")?.textContent?.includes("one"));
    expect(await page.textContent("#metrics-summary")).toMatch(/^1 step;/);
  });

  it("drops a stale training-text error once the text changes", async () => {
    page = await openPage();
    await page.fill("#train-text", "Too short.");
    await page.click("#train-start");
    await page.waitForSelector("#train-text-error:not([hidden])");
    await page.type("#train-text", " A little more.");
    expect(await page.isHidden("#train-text-error")).toBe(true);
    expect(await page.getAttribute("#train-text", "aria-invalid")).toBeNull();
  });
});

describe("training in the page", () => {
  it("trains a tiny model on onnxruntime-web in a worker: the loss falls, samples appear, and the generator can use it", async () => {
    page = await openPage();
    // Served with COOP/COEP: the worker's onnxruntime-web gets WebAssembly threads.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const threads = await page.evaluate(() => Math.min(4, navigator.hardwareConcurrency));
    await page.click("#train-start");
    await page.waitForSelector('section.train[data-state="running"]');
    await page.waitForSelector("section.train[data-engine]");
    expect(await page.getAttribute("section.train", "data-engine")).toBe(
      `onnxruntime-web · WebAssembly SIMD, ${threads} thread${threads === 1 ? "" : "s"}`,
    );
    expect(await page.textContent("#train-engine-used")).toContain("onnxruntime-web");
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
    // A sample from the untrained model and at least one from the trained one, newest first. The
    // worker posts a report's validation before it draws the report's sample: wait for that.
    const samples = page.locator("#train-samples .sample-text");
    await samples.nth(1).waitFor({ state: "attached", timeout: 30_000 });
    expect(await samples.count()).toBeGreaterThanOrEqual(2);
    expect([...((await samples.first().textContent()) ?? "")]).toHaveLength(200);
    expect(await page.locator("#train-samples .sample-step").last().textContent()).toMatch(/^Step 0 /);
    // The form's rows keep their height while samples make the results column grow.
    for (const id of ["train-start", "train-pause", "train-use"]) {
      expect((await page.locator(`#${id}`).boundingBox())!.height).toBeLessThan(60);
    }

    await page.click("#train-pause");
    await page.waitForSelector('section.train[data-state="paused"]');
    expect(await page.textContent("#train-start")).toBe("Resume");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("train-start");
    const pausedAt = await page.getAttribute("section.train", "data-step");
    await page.waitForTimeout(600);
    expect(await page.getAttribute("section.train", "data-step")).toBe(pausedAt);
    await page.locator("section.train").screenshot({ path: `${screenshotDir}train.png` });

    await page.click("#train-use");
    await page.waitForSelector('#output[data-engine="wasm"][data-model="trained-in-browser.safetensors"]');
    expect(await page.textContent("#model-summary")).toContain(`at step ${pausedAt}`);
    await fill(page, { prime: PRIME, length: "60" });
    expect([...(await generate(page))]).toHaveLength(60);

    await page.click("#train-reset");
    await page.waitForSelector('section.train[data-state="idle"]');
    expect(await page.textContent("#train-step")).toBe("0");
    expect(await page.locator("#train-samples li").count()).toBe(0);
    expect(await page.isEnabled("#train-hidden")).toBe(true);
  });

  it("trains on the plain-TypeScript reference engine when that is chosen", async () => {
    page = await openPage();
    await page.selectOption("#train-engine", "reference");
    await page.click("#train-start");
    await page.waitForSelector("section.train[data-engine]");
    expect(await page.getAttribute("section.train", "data-engine")).toBe("plain TypeScript (reference)");
    await page.waitForFunction(
      () => Number(document.querySelector<HTMLElement>("section.train")!.dataset.step) >= 5,
    );
    expect(Number(await page.textContent("#train-loss"))).toBeGreaterThan(0);
    expect(Number((await page.textContent("#train-speed"))?.replace(/,/g, ""))).toBeGreaterThan(0);
    await page.click("#train-pause");
    await page.waitForSelector('section.train[data-state="paused"]');
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
