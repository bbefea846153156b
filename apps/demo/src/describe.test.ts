import { describe, expect, it } from "vitest";
import { describeDemo } from "./describe";

describe("describeDemo", () => {
  it("lists the engines", () => {
    expect(describeDemo(["ts", "onnx"])).toBe("Ready: engines available — ts, onnx.");
  });
});
