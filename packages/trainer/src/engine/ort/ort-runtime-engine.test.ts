import { maxRelativeError, referenceLossAndGrads, zeroState } from "@charrnn/models";
import * as ortWeb from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { createOrtRuntimeEngine } from "../../browser";
import { randomBatch, randomParams, tinyConfig } from "../test-helpers";
import { createOrtEngine } from "./ort-engine";

const TOL = 1e-4;

// The browser entry's engine on onnxruntime-web (its wasm build, which also runs in Node): the same
// generated graphs as the onnxruntime-node engine, so the same gradients and a falling loss.
describe("ort engine on an injected runtime (onnxruntime-web)", () => {
  it.each(["rnn", "gru", "lstm"] as const)("%s: equals referenceLossAndGrads", async (cell) => {
    const config = tinyConfig(cell, { layers: 2, embed: 6 });
    const params = randomParams(config, 3);
    const batch = randomBatch(config.vocabSize, 3, 5, 4);
    const state = zeroState(config, 3);
    const ref = referenceLossAndGrads(config, params, batch, state);
    const engine = await createOrtRuntimeEngine({
      config,
      params,
      optimizer: { kind: "sgd" },
      ort: ortWeb,
      backend: "onnxruntime-web wasm",
    });
    expect(engine.backend).toBe("onnxruntime-web wasm");
    const out = await engine.lossAndGrads(batch, state);
    engine.dispose();
    expect(Math.abs(out.loss - ref.loss) / ref.loss).toBeLessThan(TOL);
    expect(maxRelativeError(out.state.h, ref.state.h)).toBeLessThan(TOL);
    for (const [name, g] of ref.grads) {
      expect(maxRelativeError(out.grads.get(name)!.data, g.data), name).toBeLessThan(TOL);
    }
  });

  it("trains as onnxruntime-node does: the same losses step by step, falling", async () => {
    const config = tinyConfig("gru", { layers: 1 });
    const params = randomParams(config, 1);
    const optimizer = { kind: "adam" } as const;
    const web = await createOrtRuntimeEngine({ config, params, optimizer, ort: ortWeb, backend: "web" });
    const node = await createOrtEngine({ config, params, optimizer, threads: 1 });
    const batch = randomBatch(config.vocabSize, 4, 8, 2);
    const losses: [number, number][] = [];
    for (let i = 0; i < 20; i++) {
      const opts = { lr: 1e-2, clipNorm: 5, dropoutSeed: i };
      const a = await web.trainStep(batch, zeroState(config, 4), opts);
      const b = await node.trainStep(batch, zeroState(config, 4), opts);
      losses.push([a.loss, b.loss]);
    }
    web.dispose();
    node.dispose();
    for (const [a, b] of losses) expect(Math.abs(a - b)).toBeLessThan(1e-3);
    expect(losses.at(-1)![0]).toBeLessThan(losses[0]![0] - 0.3);
  });
});
