import { readFileSync } from "node:fs";
import { createRng } from "@charrnn/core";
import {
  type CellType,
  type InputMode,
  initParams,
  type NamedTensors,
  referenceForward,
  validateConfig,
} from "@charrnn/models";
import { describe, expect, it } from "vitest";
import { makeConfig, randomParams } from "./test-helpers";
import { createTsStepModel } from "./ts-engine";

const cells: CellType[] = ["rnn", "gru", "lstm"];
const inputs: InputMode[] = ["embedding", "onehot"];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("createTsStepModel", () => {
  for (const cell of cells) {
    for (const input of inputs) {
      for (const layers of [1, 2]) {
        for (const batch of [1, 3]) {
          it(`matches referenceForward (float64): ${cell}, ${input}, ${layers} layer(s), batch ${batch}`, () => {
            const rng = createRng(cells.indexOf(cell) * 100 + layers * 10 + batch);
            const config = makeConfig({ cell, input, layers, hidden: 6, vocabSize: 9, embed: 5 });
            const params = randomParams(config, rng);
            const steps = 7;
            const tokens = Int32Array.from({ length: batch * steps }, () => rng.nextInt(9));
            // A non-zero starting state exercises the recurrent path from the first step.
            const model = createTsStepModel({ config, params });
            const start = model.initialState(batch);
            for (let i = 0; i < start.h.length; i++) start.h[i] = rng.next() - 0.5;
            if (start.c) for (let i = 0; i < start.c.length; i++) start.c[i] = rng.next() - 0.5;
            const startCopy = Float32Array.from(start.h);
            const got = model.forward(tokens, batch, steps, start);
            const want = referenceForward(config, params, tokens, batch, steps, start);
            expect(maxAbsDiff(got.logits, want.logits)).toBeLessThan(1e-5);
            expect(maxAbsDiff(got.state.h, want.state.h)).toBeLessThan(1e-5);
            if (cell === "lstm") expect(maxAbsDiff(got.state.c!, want.state.c!)).toBeLessThan(1e-5);
            expect(got.state.c === undefined).toBe(cell !== "lstm");
            expect(Array.from(start.h)).toEqual(Array.from(startCopy));

            // Stepping one token at a time with the state carried gives the same logits.
            let state = model.initialState(batch);
            state.h.set(startCopy);
            if (start.c) state.c!.set(start.c);
            for (let t = 0; t < steps; t++) {
              const col = Int32Array.from({ length: batch }, (_, b) => tokens[b * steps + t]!);
              const r = model.forward(col, batch, 1, state);
              for (let b = 0; b < batch; b++) {
                const row = want.logits.subarray((b * steps + t) * 9, (b * steps + t + 1) * 9);
                expect(maxAbsDiff(r.logits.subarray(b * 9, b * 9 + 9), row)).toBeLessThan(1e-5);
              }
              state = r.state;
            }
          });
        }
      }
    }
  }

  it("gives the same result with and without the input table, and honours lastOnly", () => {
    const rng = createRng(5);
    const config = makeConfig({ cell: "lstm", layers: 2, hidden: 7, vocabSize: 11, embed: 3 });
    const params = randomParams(config, rng);
    const tokens = Int32Array.from({ length: 2 * 4 }, () => rng.nextInt(11));
    const a = createTsStepModel({ config, params });
    const b = createTsStepModel({ config, params, maxInputTable: 0 });
    const ra = a.forward(tokens, 2, 4, a.initialState(2));
    const rb = b.forward(tokens, 2, 4, b.initialState(2));
    expect(maxAbsDiff(ra.logits, rb.logits)).toBeLessThan(1e-6);
    const last = a.forward(tokens, 2, 4, a.initialState(2), { lastOnly: true });
    expect(last.logits.length).toBe(2 * 11);
    for (let bi = 0; bi < 2; bi++) {
      const full = ra.logits.subarray((bi * 4 + 3) * 11, (bi * 4 + 4) * 11);
      expect(Array.from(last.logits.subarray(bi * 11, bi * 11 + 11))).toEqual(Array.from(full));
    }
    expect(Array.from(last.state.h)).toEqual(Array.from(ra.state.h));
  });

  it("reuses scratch across batch sizes without leaking values between calls", () => {
    const rng = createRng(9);
    const config = makeConfig({ cell: "gru", layers: 2, hidden: 4, vocabSize: 6, embed: 3 });
    const model = createTsStepModel({ config, params: randomParams(config, rng), maxInputTable: 0 });
    const one = model.forward(Int32Array.of(2, 3), 1, 2, model.initialState(1));
    model.forward(Int32Array.of(1, 5, 0, 4, 3, 2), 3, 2, model.initialState(3));
    const again = model.forward(Int32Array.of(2, 3), 1, 2, model.initialState(1));
    expect(Array.from(again.logits)).toEqual(Array.from(one.logits));
  });

  it("rejects bad tokens, states and parameters with coded errors", () => {
    const config = makeConfig({ cell: "lstm" });
    const params = randomParams(config, createRng(1));
    const model = createTsStepModel({ config, params });
    expect(() => model.forward(Int32Array.of(7), 1, 1, model.initialState(1))).toThrow(
      expect.objectContaining({ code: "TOKEN_RANGE" }),
    );
    expect(() => model.forward(Int32Array.of(1, 2), 2, 1, model.initialState(1))).toThrow(
      expect.objectContaining({ code: "STATE_SHAPE_MISMATCH" }),
    );
    expect(() => model.forward(Int32Array.of(1, 2), 1, 1, model.initialState(1))).toThrow(
      expect.objectContaining({ code: "FORWARD_SHAPE" }),
    );
    const missing = new Map(params);
    missing.delete("rnn.weight_hh_l0");
    expect(() => createTsStepModel({ config, params: missing })).toThrow(/rnn\.weight_hh_l0/);
    const wrong = new Map(params);
    wrong.set("output.bias", { shape: [3], data: new Float32Array(3) });
    expect(() => createTsStepModel({ config, params: wrong })).toThrow(
      expect.objectContaining({ code: "MODEL_SHAPE_MISMATCH" }),
    );
  });
});

interface TorchCase {
  vocab: number;
  embed: number;
  hidden: number;
  layers: number;
  x: number[][];
  params: Record<string, number[] | number[][]>;
  logits: number[][][];
  final_state: { h: number[][][]; c?: number[][][] };
}

describe("createTsStepModel against PyTorch", () => {
  const fixture = JSON.parse(
    readFileSync(new URL("../../../test-fixtures/torch/torch_parity.json", import.meta.url), "utf8"),
  ) as Record<CellType, TorchCase>;
  const rename = (name: string) => name.replace(/^emb\./, "embedding.").replace(/^out\./, "output.");

  for (const cell of cells) {
    it(`reproduces torch.nn.${cell.toUpperCase()} logits and final state (${cell})`, () => {
      const tc = fixture[cell];
      const params: NamedTensors = new Map();
      for (const [name, value] of Object.entries(tc.params)) {
        const rows = value as number[] | number[][];
        const shape = Array.isArray(rows[0]) ? [rows.length, (rows[0] as number[]).length] : [rows.length];
        params.set(rename(name), { shape, data: Float32Array.from(rows.flat() as number[]) });
      }
      const config = makeConfig({
        cell,
        layers: tc.layers,
        hidden: tc.hidden,
        vocabSize: tc.vocab,
        embed: tc.embed,
      });
      const model = createTsStepModel({ config, params });
      const batch = tc.x.length;
      const steps = tc.x[0]!.length;
      const out = model.forward(Int32Array.from(tc.x.flat()), batch, steps, model.initialState(batch));
      expect(maxAbsDiff(out.logits, tc.logits.flat(2))).toBeLessThan(1e-5);
      expect(maxAbsDiff(out.state.h, tc.final_state.h.flat(2))).toBeLessThan(1e-5);
      if (tc.final_state.c) expect(maxAbsDiff(out.state.c!, tc.final_state.c.flat(2))).toBeLessThan(1e-5);
    });
  }
});

describe("createTsStepModel on a classifier", () => {
  it("refuses with a typed error that says what the model is", () => {
    const config = validateConfig({
      cell: "gru",
      layers: 1,
      hidden: 4,
      vocabSize: 5,
      input: "embedding",
      embed: 3,
      dropout: 0,
      init: { kind: "pytorch" },
      forgetBias: 0,
      head: { kind: "classifier", labels: ["a", "b"], pooling: "last" },
    });
    const params = initParams(config, createRng(1));
    expect(() => createTsStepModel({ config, params })).toThrow(/sequence classifier, not a language model/);
  });
});
