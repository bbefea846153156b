/** Converts a loss in nats per token to bits per token (bits/char for char models). */
export function natsToBits(nats: number): number {
  return nats / Math.LN2;
}

/** Perplexity of a mean cross-entropy given in nats per token: `e^nats`. */
export function perplexity(nats: number): number {
  return Math.exp(nats);
}
