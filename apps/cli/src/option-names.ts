import { CharrnnRangeError, isCharrnnError } from "@charrnn/core";
import { UsageError } from "./options";

/**
 * Runs a command's `fn`, turning a library range error about one of `flagOf`'s names (library
 * option → the command's flag) into a usage error naming the flag the user typed.
 */
export async function withFlagNames<T>(
  flagOf: Readonly<Record<string, string>>,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof CharrnnRangeError) {
      const flag = flagOf[error.option];
      if (flag) throw new UsageError(error.message.replace(error.option, flag));
    }
    // A model too large for this machine comes from the size flags: a usage error naming them.
    if (isCharrnnError(error) && error.code === "TRAIN_MEMORY") {
      throw new UsageError(
        error.message.replace(
          /; lower (.*)$/,
          (_, names: string) => `; lower ${names.replace(/\w+/g, (n) => flagOf[n] ?? n)}`,
        ),
      );
    }
    throw error;
  }
}
