import { register } from "node:module";

// tfjs-core's Node bundle registers no op gradients (they ship with the @tensorflow/tfjs umbrella,
// which is not a dependency), and its ESM files, which do hold them, use extensionless relative
// imports that Node's ESM resolver refuses. This hook adds the extension for those files only.
const RESOLVE_HOOK = `
export async function resolve(specifier, context, next) {
  if (specifier.startsWith(".") && context.parentURL?.includes("/@tensorflow/tfjs-core/dist/") && !/\\.[cm]?js$/.test(specifier)) {
    try { return await next(specifier + ".js", context); } catch { return next(specifier + "/index.js", context); }
  }
  return next(specifier, context);
}`;

let registered: Promise<void> | undefined;

/**
 * Registers tfjs-core's op gradients (what tf.layers training needs) in this process. The gradient
 * registry is global, so gradients loaded from the ESM files serve the bundle tf.layers uses.
 */
export function registerTfGradients(): Promise<void> {
  registered ??= (async () => {
    register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`);
    await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
  })();
  return registered;
}
