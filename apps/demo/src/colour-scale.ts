/** The colour of a character the model found certain (surprise 0 bits), a pale green. */
export const SURE_COLOUR = "#c8efc4";
/** The colour at half of {@link MAX_SURPRISE_BITS}, a pale yellow. */
export const MID_COLOUR = "#f8ec9e";
/** The colour at {@link MAX_SURPRISE_BITS} and beyond, a pale red. */
export const SURPRISED_COLOUR = "#f6b1ac";
/** Surprise (bits) at which the scale saturates: p = 1/256. */
export const MAX_SURPRISE_BITS = 8;

/** −log₂ p: how surprised the model is by a character it gave probability `p`. `p = 0` → Infinity. */
export function surpriseBits(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be in [0, 1], got ${p}`);
  return p === 0 ? Number.POSITIVE_INFINITY : 0 - Math.log2(p);
}

/**
 * Background colour of a character given the model's probability of it: green (expected) through
 * yellow to red (surprising), linear in surprise bits up to {@link MAX_SURPRISE_BITS}. All colours
 * are pale, so dark text on them keeps a contrast ratio above 10:1.
 */
export function probabilityColour(p: number): string {
  const t = Math.min(surpriseBits(p) / MAX_SURPRISE_BITS, 1);
  return t <= 0.5 ? mix(SURE_COLOUR, MID_COLOUR, t * 2) : mix(MID_COLOUR, SURPRISED_COLOUR, t * 2 - 1);
}

/** Linear interpolation between two `#rrggbb` colours, rounded per channel. */
export function mix(from: string, to: string, t: number): string {
  let out = "#";
  for (let i = 1; i < 7; i += 2) {
    const a = Number.parseInt(from.slice(i, i + 2), 16);
    const b = Number.parseInt(to.slice(i, i + 2), 16);
    out += Math.round(a + (b - a) * t)
      .toString(16)
      .padStart(2, "0");
  }
  return out;
}
