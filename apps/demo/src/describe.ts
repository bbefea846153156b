/** The status line once a model is ready: the engines it can run on. */
export function describeDemo(engines: readonly string[] = ["plain TypeScript"]): string {
  return `Ready: engines available — ${engines.join(", ")}.`;
}

/** "1 step", "2,048 steps": a count with its noun, singular for one. */
export function countOf(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}
