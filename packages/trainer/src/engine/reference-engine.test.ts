import { zeroState } from "@charrnn/models";
import { describe, expect, it } from "vitest";
import { createReferenceEngine } from "./reference-engine";
import { loadTorchCase, maxRelError, randomBatch, randomParams, tinyConfig } from "./test-helpers";
import { createTfjsEngine } from "./tfjs-engine";
import type { OptimizerConfig } from "./types";

describe("reference engine", () => {
  it("refuses hard-sigmoid gates (a TF.js import) with one line, as the tfjs engine does", async () => {
    const config = tinyConfig("lstm", { gateActivation: "hardSigmoid" });
    const params = randomParams(config, 3);
    const refused = expect.objectContaining({
      code: "ENGINE_UNSUPPORTED",
      message: expect.stringMatching(
        /^the training engines train sigmoid-gated models only .*recurrentActivation: 'sigmoid'[^\n]*$/,
      ),
    });
    expect(() => createReferenceEngine({ config, params, optimizer: { kind: "sgd" } })).toThrow(refused);
    await expect(
      createTfjsEngine({ config, params, optimizer: { kind: "sgd" }, backend: "cpu" }),
    ).rejects.toThrow(refused);
  });

  it("lossAndGrads reproduces torch", async () => {
    const c = loadTorchCase("lstm");
    const engine = createReferenceEngine({ config: c.config, params: c.params, optimizer: { kind: "sgd" } });
    const out = await engine.lossAndGrads(c.batch, c.state);
    expect(Math.abs(out.loss - c.loss)).toBeLessThan(1e-5);
    for (const [name, g] of c.grads)
      expect(maxRelError(out.grads.get(name)!.data, g), name).toBeLessThan(1e-4);
  });

  const optimizers: OptimizerConfig[] = [
    { kind: "adam", weightDecay: 0.01 },
    { kind: "sgd", momentum: 0.9 },
    { kind: "rmsprop" },
    { kind: "adagrad" },
  ];
  for (const optimizer of optimizers) {
    it(`${optimizer.kind}: the tfjs engine tracks it step for step (dropout, input dropout, weight drop, clipping, mask, carried state; locked masks with SGD)`, async () => {
      // Not RMSprop with weight drop: a weight kept after a step that dropped it moves by about
      // lr/√(1−α) whatever its gradient's size, so float32 rounding of a tiny gradient decides the sign.
      const weightDrop = optimizer.kind === "rmsprop" ? undefined : 0.3;
      const dropoutMode = optimizer.kind === "sgd" ? "locked" : "step";
      const config = tinyConfig("lstm", { dropout: 0.25, inputDropout: 0.2, weightDrop, dropoutMode });
      const params = randomParams(config, 21);
      const ref = createReferenceEngine({ config, params, optimizer });
      const tfe = await createTfjsEngine({ config, params, optimizer, backend: "cpu" });
      let refState = zeroState(config, 2);
      let tfState = zeroState(config, 2);
      for (let step = 0; step < 4; step++) {
        const batch = {
          ...randomBatch(13, 2, 5, 50 + step),
          mask: Float32Array.from({ length: 10 }, (_, i) => (i % 4 === 3 ? 0 : 1)),
        };
        const opts = { lr: 0.02, clipNorm: 1, dropoutSeed: 77 + step };
        const a = await ref.trainStep(batch, refState, opts);
        const b = await tfe.trainStep(batch, tfState, opts);
        expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
        expect(Math.abs(a.gradNorm - b.gradNorm) / a.gradNorm).toBeLessThan(1e-4);
        expect(maxRelError(b.state.c!, a.state.c!)).toBeLessThan(1e-4);
        refState = a.state;
        tfState = b.state;
      }
      const batch = randomBatch(13, 2, 5, 99);
      const evalA = await ref.evaluate(batch, refState);
      const evalB = await tfe.evaluate(batch, tfState);
      expect(evalB.count).toBe(10);
      expect(Math.abs(evalA.lossSum - evalB.lossSum) / evalA.lossSum).toBeLessThan(1e-4);
      const pa = await ref.getParams();
      const pb = await tfe.getParams();
      for (const [name, t] of pa) expect(maxRelError(pb.get(name)!.data, t.data), name).toBeLessThan(1e-3);
      const sa = await ref.getOptimizerState();
      const sb = await tfe.getOptimizerState();
      expect(sb.step).toBe(sa.step);
      expect([...sb.slots.keys()].sort()).toEqual([...sa.slots.keys()].sort());
      tfe.dispose();
      ref.dispose();
    });
  }
});
