/**
 * A check to await in long decoding and scoring loops: once every `intervalMs` it lets the event
 * loop turn (a `setTimeout(0)`, so timers, I/O and signal handlers run). Without it a loop over a
 * synchronous engine only ever awaits resolved promises, never leaves the microtask queue, and
 * Ctrl-C or SIGTERM wait until the whole loop ends — minutes for a wide beam or a long text.
 */
export function createTurnTaker(intervalMs = 50): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < intervalMs) return undefined;
    last = now;
    return new Promise<void>((resolve) => setTimeout(resolve, 0));
  };
}
