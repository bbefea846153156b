import { describe, expect, it } from "vitest";
import { createRng, deriveSeed } from "./rng";
import { SEED_STREAMS } from "./seed-streams";

describe("createRng", () => {
  it("gives the same stream for the same seed and different streams for different seeds", () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    const sb = Array.from({ length: 8 }, () => b.nextUint32());
    const sc = Array.from({ length: 8 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it("resumes exactly from a saved state", () => {
    const a = createRng(7);
    for (let i = 0; i < 100; i++) a.next();
    const saved = a.state();
    const expected = Array.from({ length: 10 }, () => a.next());
    const resumed = createRng(saved);
    expect(Array.from({ length: 10 }, () => resumed.next())).toEqual(expected);
  });

  it("draws uniform floats in [0, 1) with the right mean and integers in range", () => {
    const rng = createRng(1);
    let sum = 0;
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 20000; i++) {
      const u = rng.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
      counts[rng.nextInt(5)]++;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1);
    for (const c of counts) expect(c).toBeGreaterThan(3600);
  });

  it("draws standard normals", () => {
    const rng = createRng(3);
    let s = 0;
    let s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.05);
    expect(s2 / n).toBeCloseTo(1, 1);
  });
});

describe("fillDropout", () => {
  it.each([0, 0.05, 0.3, 0.5, 0.9])(
    "draws what next() would at rate %s, and leaves the stream where next() would",
    (rate) => {
      const a = createRng(11);
      const b = createRng(11);
      const keep = 1 / (1 - rate);
      const expected = Float64Array.from({ length: 50_000 }, () => (a.next() < rate ? 0 : keep));
      const got = new Float64Array(expected.length);
      b.fillDropout(got, rate);
      expect(got).toEqual(expected);
      expect(b.state()).toEqual(a.state());
      const dropped = got.filter((v) => v === 0).length / got.length;
      expect(Math.abs(dropped - rate)).toBeLessThan(0.01);
    },
  );

  it("writes float32 multipliers from the same stream", () => {
    const f32 = new Float32Array(1000);
    const f64 = new Float64Array(1000);
    createRng(3).fillDropout(f32, 0.25);
    createRng(3).fillDropout(f64, 0.25);
    expect(Array.from(f32)).toEqual(Array.from(Float32Array.from(f64)));
  });
});

describe("deriveSeed", () => {
  it("is deterministic and separates indices", () => {
    expect(deriveSeed(1, 2)).toBe(deriveSeed(1, 2));
    const seen = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(5, i)));
    expect(seen.size).toBe(1000);
  });
});

describe("SEED_STREAMS", () => {
  it("gives every use of randomness its own stream number", () => {
    const numbers = Object.values(SEED_STREAMS);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(Object.keys(SEED_STREAMS)).toEqual(["init", "shuffle", "sample", "dropout"]);
  });
});
