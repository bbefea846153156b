/** The status line once a model is ready: the engines it can run on. */
export function describeDemo(engines: readonly string[] = ["plain TypeScript"]): string {
  return `Ready: engines available — ${engines.join(", ")}.`;
}
