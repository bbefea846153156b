// Shared by the torch engine tests only (not exported from the package).
import { isCharrnnError } from "@charrnn/core";
import { findTorchPython, type TorchPython } from "./find-python";

/**
 * The interpreter the torch tests use, or `undefined` (they skip) where none imports torch. CI sets
 * CHARRNN_REQUIRE_TORCH=1 so that a missing torch fails there instead of skipping.
 */
export function testTorchPython(): TorchPython | undefined {
  try {
    return findTorchPython();
  } catch (error) {
    if (process.env.CHARRNN_REQUIRE_TORCH === "1" || !isCharrnnError(error)) throw error;
    console.warn(`torch tests skipped: ${(error as Error).message}`);
    return undefined;
  }
}
