/**
 * Module hooks that make every `@tensorflow/*` package unresolvable (and any other specifier prefix
 * ./register.mjs passes), as if it were not installed: Node's own "Cannot find package" error, code
 * ERR_MODULE_NOT_FOUND.
 */
let hidden = ["@tensorflow/"];

export function initialize(data) {
  hidden = data.hide;
}

export async function resolve(specifier, context, nextResolve) {
  if (hidden.some((prefix) => specifier.startsWith(prefix))) {
    const error = new Error(`Cannot find package '${specifier}' imported from ${context.parentURL}`);
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return nextResolve(specifier, context);
}
