/**
 * Logits processors: each rewrites one row of logits (float64, length V) in place, setting excluded
 * tokens to -Infinity. They run in the order repetition penalty → temperature → top-k → top-p →
 * min-p, and only the ones whose option is not at its default are built. Ties between equal logits
 * are broken by the lower token id, so results never depend on a sort's platform behaviour.
 */
export interface LogitsProcessor {
  readonly name: string;
  /** `seen[seenOff + id]` is 1 for tokens already generated in this stream. */
  process(logits: Float64Array, seen: Uint8Array, seenOff: number): void;
}

/**
 * CTRL-style repetition penalty: a token generated before has its logit divided by `penalty` when
 * positive and multiplied by it when negative (each token once, however often it appeared).
 */
export function repetitionPenaltyProcessor(penalty: number): LogitsProcessor {
  return {
    name: "repetitionPenalty",
    process(logits, seen, seenOff) {
      for (let i = 0; i < logits.length; i++) {
        if (seen[seenOff + i] === 0) continue;
        const l = logits[i]!;
        logits[i] = l > 0 ? l / penalty : l * penalty;
      }
    },
  };
}

/** Divides logits by `temperature` (> 0): below 1 sharpens, above 1 flattens. */
export function temperatureProcessor(temperature: number): LogitsProcessor {
  return {
    name: "temperature",
    process(logits) {
      for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! / temperature;
    },
  };
}

/** Keeps exactly the `k` highest logits (ties go to the lower id); the rest become -Infinity. */
export function topKProcessor(k: number): LogitsProcessor {
  const order = new SortScratch();
  return {
    name: "topK",
    process(logits) {
      if (k >= logits.length) return;
      const ids = order.sortDescending(logits);
      for (let r = k; r < ids.length; r++) logits[ids[r]!] = Number.NEGATIVE_INFINITY;
    },
  };
}

/**
 * Nucleus sampling: keeps the smallest set of most probable tokens whose probabilities (softmax of
 * the current logits, summed in float64 from the most probable down) reach at least `p`.
 */
export function topPProcessor(p: number): LogitsProcessor {
  const order = new SortScratch();
  return {
    name: "topP",
    process(logits) {
      const ids = order.sortDescending(logits);
      const max = logits[ids[0]!]!;
      let total = 0;
      for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i]! - max);
      const target = p * total;
      let cum = 0;
      let r = 0;
      while (r < ids.length) {
        cum += Math.exp(logits[ids[r]!]! - max);
        r++;
        if (cum >= target) break;
      }
      for (; r < ids.length; r++) logits[ids[r]!] = Number.NEGATIVE_INFINITY;
    },
  };
}

/** Keeps tokens whose probability is at least `minP` times the most probable token's. */
export function minPProcessor(minP: number): LogitsProcessor {
  return {
    name: "minP",
    process(logits) {
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
      // p_i / p_max = exp(l_i - max), so no normalisation is needed.
      for (let i = 0; i < logits.length; i++) {
        if (Math.exp(logits[i]! - max) < minP) logits[i] = Number.NEGATIVE_INFINITY;
      }
    },
  };
}

/** Token ids ordered by descending logit, lower id first on ties; the buffer is reused per call. */
class SortScratch {
  private ids: Int32Array = new Int32Array(0);
  private values: Float64Array = new Float64Array(0);
  private readonly compare = (a: number, b: number): number => {
    const d = this.values[b]! - this.values[a]!;
    return d !== 0 && !Number.isNaN(d) ? d : a - b;
  };

  sortDescending(logits: Float64Array): Int32Array {
    if (this.ids.length !== logits.length) this.ids = new Int32Array(logits.length);
    for (let i = 0; i < logits.length; i++) this.ids[i] = i;
    this.values = logits;
    return this.ids.sort(this.compare);
  }
}
