import { createRng } from "@charrnn/core";
import { describe, expect, it } from "vitest";
import type { StepModel } from "./step-model";
import { checkStepModel } from "./step-model-check";
import { makeConfig, randomParams } from "./test-helpers";
import { createTsStepModel } from "./ts-engine";

const config = makeConfig({ cell: "lstm", layers: 2, hidden: 6, vocabSize: 8, embed: 3 });
const params = randomParams(config, createRng(3));
const reference = createTsStepModel({ config, params });

describe("checkStepModel", () => {
  it("passes an engine that computes the same thing another way", async () => {
    const other = createTsStepModel({ config, params, maxInputTable: 0 });
    const r = await checkStepModel(other, reference, { batch: 2, steps: 5 });
    expect(r.maxLogitDiff).toBeLessThan(1e-6);
    expect(r.maxStateDiff).toBeLessThan(1e-6);
    expect(r.maxStepDiff).toBeLessThan(1e-6);
  });

  it("measures wrong weights", async () => {
    const wrong = createTsStepModel({ config, params: randomParams(config, createRng(4)) });
    expect((await checkStepModel(wrong, reference)).maxLogitDiff).toBeGreaterThan(1e-3);
  });

  it("throws on an engine that modifies its input state or has other dimensions", async () => {
    const mutating: StepModel = {
      ...reference,
      forward(tokens, batch, steps, state) {
        const r = reference.forward(tokens, batch, steps, state);
        state.h.fill(0);
        return r;
      },
    };
    await expect(checkStepModel(mutating, reference)).rejects.toMatchObject({
      code: "STEP_MODEL_CONTRACT",
      message: expect.stringContaining("modified the state"),
    });
    const other = makeConfig({ cell: "gru", layers: 2, hidden: 6, vocabSize: 8, embed: 3 });
    const gru = createTsStepModel({ config: other, params: randomParams(other, createRng(1)) });
    await expect(checkStepModel(gru, reference)).rejects.toThrow("cell is gru, the reference has lstm");
  });
});
