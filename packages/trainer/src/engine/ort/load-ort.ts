import { CharrnnError } from "@charrnn/vocab";

/** The parts of onnxruntime-node the ORT engine uses. */
export type OrtNodeModule = Pick<typeof import("onnxruntime-node"), "InferenceSession" | "Tensor">;

/**
 * Imports onnxruntime-node (an optional peer of @charrnn/trainer); `specifier` is a parameter only
 * so tests can name a missing module. Throws `ORT_NOT_INSTALLED` with the install command.
 */
export async function importOrtNode(specifier = "onnxruntime-node"): Promise<OrtNodeModule> {
  try {
    const mod = (await import(/* @vite-ignore */ specifier)) as OrtNodeModule & { default?: OrtNodeModule };
    return mod.InferenceSession === undefined && mod.default !== undefined ? mod.default : mod;
  } catch (cause) {
    throw new CharrnnError(
      "ORT_NOT_INSTALLED",
      "the ort training engine needs onnxruntime-node: npm install onnxruntime-node (or use the tfjs engine)",
      { cause },
    );
  }
}
