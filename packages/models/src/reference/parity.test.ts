import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CellType } from "../config";
import { defaultConfig } from "../config";
import type { StateDict } from "../state-dict";
import { fromPytorchStateDict, mapStateDictNames } from "../state-dict";
import { referenceForward } from "./forward";
import { maxRelativeError } from "./loss";
import { referenceLossAndGrads } from "./loss-and-grads";

type Nested = number | Nested[];
interface Case {
  vocab: number;
  embed: number;
  hidden: number;
  layers: number;
  x: number[][];
  y: number[][];
  params: StateDict;
  loss: number;
  grads: StateDict;
  logits: Nested;
  final_state: { h: Nested; c?: Nested };
}

const fixture = JSON.parse(
  readFileSync(new URL("../../../../test-fixtures/torch/torch_parity.json", import.meta.url), "utf8"),
) as Record<CellType, Case>;

const flat = (a: Nested): number[] => (Array.isArray(a) ? a.flatMap(flat) : [a]);

// The fixture's float64 params are float32-exact, so the float64 reference should agree to rounding.
const BOUND = 1e-9;

describe.each(["rnn", "gru", "lstm"] as const)("PyTorch parity: %s", (cell) => {
  const c = fixture[cell];
  const config = defaultConfig({
    cell,
    layers: c.layers,
    hidden: c.hidden,
    embed: c.embed,
    vocabSize: c.vocab,
  });
  const params = fromPytorchStateDict(config, c.params);
  const B = c.x.length;
  const T = c.x[0]!.length;
  const x = Int32Array.from(c.x.flat());
  const y = Int32Array.from(c.y.flat());

  it("reproduces logits and the final state", () => {
    const out = referenceForward(config, params, x, B, T);
    expect(maxRelativeError(out.logits, flat(c.logits))).toBeLessThan(1e-6); // float32 output
    expect(maxRelativeError(out.state.h, flat(c.final_state.h))).toBeLessThan(1e-6);
    if (cell === "lstm") expect(maxRelativeError(out.state.c!, flat(c.final_state.c!))).toBeLessThan(1e-6);
  });

  it("reproduces the loss and every gradient", () => {
    const out = referenceLossAndGrads(config, params, { x, y, batch: B, steps: T });
    expect(Math.abs(out.loss - c.loss) / c.loss).toBeLessThan(BOUND);
    const expected = mapStateDictNames(c.grads);
    expect([...out.grads.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, g] of expected) {
      const actual = out.grads.get(name)!;
      expect(actual.shape, name).toEqual(g.shape);
      // grads are returned as float32, so compare at float32 precision
      expect(maxRelativeError(actual.data, g.data), name).toBeLessThan(1e-6);
    }
  });
});
