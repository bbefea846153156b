/**
 * A check to await in long decoding and scoring loops: once every `intervalMs` it lets the event
 * loop turn, so timers, I/O and signal handlers run. Without it a loop over a synchronous engine only
 * ever awaits resolved promises, never leaves the microtask queue, and Ctrl-C or SIGTERM wait until
 * the whole loop ends — minutes for a wide beam or a long text.
 *
 * The turn is a `setImmediate` where the runtime has one (Node): the loop polls I/O and signals
 * without waiting, while a `setTimeout(0)` sleeps at least 1 ms, and about 3 ms on a loaded machine,
 * which cost `generate` 5% of its wall time. Browsers get `setTimeout(0)`.
 */
export function createTurnTaker(intervalMs = 50): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < intervalMs) return undefined;
    last = now;
    return new Promise<void>((resolve) => yieldToEventLoop(resolve));
  };
}

const yieldToEventLoop: (resolve: () => void) => void =
  typeof globalThis.setImmediate === "function"
    ? (resolve) => globalThis.setImmediate(resolve)
    : (resolve) => globalThis.setTimeout(resolve, 0);
