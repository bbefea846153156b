import { describe, expect, it } from "vitest";
import { countOf, describeDemo } from "./describe";

describe("describeDemo", () => {
  it("lists the engines", () => {
    expect(describeDemo(["ts", "onnx"])).toBe("Ready: engines available — ts, onnx.");
  });
});

describe("countOf", () => {
  it("says 1 step, not 1 steps", () => {
    expect(countOf(1, "step")).toBe("1 step");
    expect(countOf(0, "step")).toBe("0 steps");
    expect(countOf(2048, "step")).toBe("2,048 steps");
  });
});
