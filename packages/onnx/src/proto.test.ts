import { describe, expect, it } from "vitest";
import { node, proto } from "./proto";

describe("node attributes", () => {
  it("writes INT, FLOAT, INTS and STRINGS attributes", () => {
    const n = node("Gemm", ["a", "b"], ["c"], "g", {
      transB: 1,
      alpha: { float: 0.5 },
      perm: [1, 0],
      dirs: ["x"],
    });
    const bytes = proto.NodeProto.encode(n).finish();
    const back = proto.NodeProto.decode(bytes);
    const byName = new Map(back.attribute.map((a) => [a.name, a]));
    const T = proto.AttributeProto.AttributeType;
    expect(byName.get("transB")).toMatchObject({ type: T.INT });
    expect(Number(byName.get("transB")!.i)).toBe(1);
    expect(byName.get("alpha")).toMatchObject({ type: T.FLOAT, f: 0.5 });
    expect((byName.get("perm")?.ints ?? []).map(Number)).toEqual([1, 0]);
    expect(new TextDecoder().decode(byName.get("dirs")?.strings?.[0] ?? new Uint8Array())).toBe("x");
  });
});
