import { generate, type StepModel, type TokenVocab } from "@charrnn/sampler";
import { median, type Timing } from "./measure";

/**
 * Times the sampler's whole `generate` path by the statistic the bench's forward rows use: the
 * median wall time of one decoding step (every stream's sampling and bookkeeping, then one batched
 * forward), read between the first stream's token events of consecutive steps. A total over the run
 * would also count every moment a loaded machine takes the process off the CPU, which the forward
 * rows' medians leave out; on this 2-core box under other jobs that made `generate` look 4–19×
 * slower than `forward` at batch 1, where CPU time (`engine-cpu`) shows the two within a few per cent.
 */
export async function timeGenerateSteps(
  model: StepModel,
  vocab: TokenVocab,
  options: { length: number; num: number; seed: number; prime: string },
): Promise<Timing> {
  const times: number[] = [];
  let last = Number.NaN;
  await generate(model, vocab, {
    ...options,
    onToken: (event) => {
      if (event.index !== 0) return;
      const now = performance.now();
      if (!Number.isNaN(last)) times.push((now - last) / 1000);
      last = now;
    },
  });
  return { times, median: median(times) };
}
