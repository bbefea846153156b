/** The line the demo shows until a model is loaded. */
export function describeDemo(engines: readonly string[] = ["plain TypeScript"]): string {
  return `Ready: engines available — ${engines.join(", ")}.`;
}
