import { describe, expect, it } from "vitest";
import { workerThreadEnv } from "./launch";

describe("workerThreadEnv", () => {
  it("gives each of several workers its share of the cores, at least one", () => {
    expect(workerThreadEnv({}, 2, 2)).toEqual({ OMP_NUM_THREADS: "1" });
    expect(workerThreadEnv({}, 2, 16)).toEqual({ OMP_NUM_THREADS: "8" });
    expect(workerThreadEnv({}, 3, 16)).toEqual({ OMP_NUM_THREADS: "5" });
    expect(workerThreadEnv({}, 8, 4)).toEqual({ OMP_NUM_THREADS: "1" });
  });

  it("leaves one worker, and a count the user set, alone", () => {
    expect(workerThreadEnv({}, 1, 16)).toEqual({});
    expect(workerThreadEnv({ OMP_NUM_THREADS: "4" }, 2, 16)).toEqual({});
  });
});
