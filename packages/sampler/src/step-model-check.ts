import { CharrnnError, createRng } from "@charrnn/core";
import type { RnnState } from "@charrnn/models";
import { lastStepLogits } from "./state-utils";
import type { StepModel } from "./step-model";

export interface StepModelCheckOptions {
  /** @defaultValue 3 */
  batch?: number;
  /** @defaultValue 7 */
  steps?: number;
  /** Seed of the random tokens and starting state. @defaultValue 0 */
  seed?: number;
}

/** Largest absolute differences found by {@link checkStepModel}. */
export interface StepModelCheckResult {
  /** Block forward `[B,T,V]` logits, candidate vs reference. */
  maxLogitDiff: number;
  /** Final `h` (and `c`) after the block, candidate vs reference. */
  maxStateDiff: number;
  /** The candidate stepped one token at a time (and with `lastOnly`) vs its own block call. */
  maxStepDiff: number;
}

/**
 * The contract every engine must meet, for engine packages' tests: same dimensions as `reference`,
 * a zero `initialState` of the right shape, `forward` leaves its input state untouched, a block of T
 * steps equals T single steps with the state carried, and the logits and state match `reference`
 * (e.g. `createTsStepModel` on the same weights). Throws `STEP_MODEL_CONTRACT` on a broken rule
 * and returns the numeric differences for the caller to bound.
 * @example
 * const r = await checkStepModel(ortModel, createTsStepModel({ config, params }));
 * expect(r.maxLogitDiff).toBeLessThan(1e-4);
 */
export async function checkStepModel(
  candidate: StepModel,
  reference: StepModel,
  options: StepModelCheckOptions = {},
): Promise<StepModelCheckResult> {
  const { batch = 3, steps = 7, seed = 0 } = options;
  const fail = (what: string): never => {
    throw new CharrnnError("STEP_MODEL_CONTRACT", `step model contract broken: ${what}`);
  };
  for (const key of ["cell", "layers", "hidden", "vocabSize"] as const) {
    if (candidate[key] !== reference[key])
      fail(`${key} is ${candidate[key]}, the reference has ${reference[key]}`);
  }
  const { layers: L, hidden: H, vocabSize: V } = reference;
  const lstm = reference.cell === "lstm";
  const zero = candidate.initialState(batch);
  const n = L * batch * H;
  if (zero.layers !== L || zero.batch !== batch || zero.hidden !== H || zero.h.length !== n) {
    fail(
      `initialState(${batch}) is [${zero.layers}, ${zero.batch}, ${zero.hidden}], expected [${L}, ${batch}, ${H}]`,
    );
  }
  if (lstm !== (zero.c !== undefined) || (lstm && zero.c!.length !== n))
    fail("initialState has c exactly for LSTM");
  if (zero.h.some((x) => x !== 0) || zero.c?.some((x) => x !== 0)) fail("initialState is not all zeros");

  const rng = createRng(seed);
  const tokens = Int32Array.from({ length: batch * steps }, () => rng.nextInt(V));
  const start = candidate.initialState(batch);
  for (let i = 0; i < n; i++) start.h[i] = rng.next() - 0.5;
  if (start.c) for (let i = 0; i < n; i++) start.c[i] = rng.next() - 0.5;
  const before = snapshot(start);

  const got = await candidate.forward(tokens, batch, steps, start);
  if (!same(snapshot(start), before)) fail("forward modified the state passed to it");
  if (got.logits.length !== batch * steps * V)
    fail(`logits have ${got.logits.length} values, expected B·T·V`);
  const want = await reference.forward(tokens, batch, steps, start);
  const maxLogitDiff = maxDiff(got.logits, want.logits);
  const maxStateDiff = Math.max(
    maxDiff(got.state.h, want.state.h),
    lstm ? maxDiff(got.state.c!, want.state.c!) : 0,
  );

  let maxStepDiff = 0;
  let state = start;
  for (let t = 0; t < steps; t++) {
    const col = Int32Array.from({ length: batch }, (_, b) => tokens[b * steps + t]!);
    const r = await candidate.forward(col, batch, 1, state);
    for (let b = 0; b < batch; b++) {
      const block = got.logits.subarray((b * steps + t) * V, (b * steps + t + 1) * V);
      maxStepDiff = Math.max(maxStepDiff, maxDiff(r.logits.subarray(b * V, (b + 1) * V), block));
    }
    state = r.state;
  }
  maxStepDiff = Math.max(maxStepDiff, maxDiff(state.h, got.state.h));
  const last = await candidate.forward(tokens, batch, steps, start, { lastOnly: true });
  const lastRows = lastStepLogits(last.logits, batch, V);
  for (let b = 0; b < batch; b++) {
    const block = got.logits.subarray((b * steps + steps - 1) * V, (b * steps + steps) * V);
    maxStepDiff = Math.max(maxStepDiff, maxDiff(lastRows.subarray(b * V, (b + 1) * V), block));
  }
  return { maxLogitDiff, maxStateDiff, maxStepDiff };
}

function snapshot(state: RnnState): number[] {
  return [...state.h, ...(state.c ?? [])];
}

function same(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}
