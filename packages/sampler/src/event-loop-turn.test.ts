import { createRng } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { beamSearch } from "./beam-search";
import { generate } from "./generate";
import { score } from "./score";
import { makeConfig, randomParams } from "./test-helpers";
import { createTsStepModel } from "./ts-engine";

const vocab = Vocab.fromText("the quick brown fox jumps over the lazy dog");
const config = makeConfig({ cell: "lstm", layers: 2, hidden: 32, vocabSize: vocab.size, embed: 8 });
const model = createTsStepModel({ config, params: randomParams(config, createRng(4), 1) });

/**
 * Whether a timer set before `work` fired before `work` finished. Over a synchronous engine an async
 * loop that never lets the event loop turn runs to its end first, and so would a signal handler.
 */
async function timerFiredDuring(work: () => Promise<unknown>): Promise<boolean> {
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
  }, 0);
  const started = performance.now();
  await work();
  const ran = performance.now() - started;
  clearTimeout(timer);
  // The loops let it turn every 50 ms; a shorter run proves nothing.
  expect(ran).toBeGreaterThan(120);
  return fired;
}

describe("long decoding and scoring loops let the event loop turn (so Ctrl-C and SIGTERM are seen)", () => {
  it("beam search", async () => {
    expect(await timerFiredDuring(() => beamSearch(model, vocab, { beamWidth: 64, length: 150 }))).toBe(true);
  });

  it("sampling", async () => {
    expect(await timerFiredDuring(() => generate(model, vocab, { num: 8, length: 1500 }))).toBe(true);
  });

  it("scoring", async () => {
    const text = "the quick brown fox jumps over the lazy dog ".repeat(250);
    expect(await timerFiredDuring(() => score(model, vocab, text, { chunkSize: 16 }))).toBe(true);
  });
});

describe("a signal sent during a long loop reaches its handler before the loop ends", () => {
  it("sampling (the handler of SIGUSR2, as Ctrl-C's would)", async () => {
    let handled = false;
    let finished = false;
    const onSignal = () => {
      handled = true;
      expect(finished).toBe(false);
    };
    process.once("SIGUSR2", onSignal);
    try {
      const run = generate(model, vocab, { num: 8, length: 1500 }).then(() => {
        finished = true;
      });
      process.kill(process.pid, "SIGUSR2");
      await run;
      expect(handled).toBe(true);
    } finally {
      process.off("SIGUSR2", onSignal);
    }
  });
});
