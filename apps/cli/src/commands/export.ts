import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { CharrnnError } from "@charrnn/vocab";
import type { Command } from "commander";
import type { CliIo } from "../io";
import { withFlagNames } from "../option-names";
import { parseIntFlag } from "../options";

interface ExportFlags {
  model: string;
  onnx: string;
  opset?: string;
}

export function registerExportCommand(program: Command, io: CliIo): void {
  program
    .command("export")
    .description("export a trained model to a standard ONNX file (RNN/GRU/LSTM ops, vocab in its metadata)")
    .requiredOption("--model <path>", "training output directory or model.safetensors")
    .requiredOption("--onnx <file>", "the .onnx file to write")
    .option("--opset <n>", "ONNX opset version (14–21)")
    .action((flags: ExportFlags) =>
      withFlagNames(async () => {
        const opset = flags.opset === undefined ? undefined : parseIntFlag("--opset", flags.opset);
        const [{ loadModel }, { exportOnnx }] = await Promise.all([
          import("@charrnn/models/node"),
          import("@charrnn/onnx"),
        ]);
        const file = await loadModel(flags.model);
        const bytes = exportOnnx(
          { config: file.config, vocab: file.vocab, params: file.params },
          opset === undefined ? {} : { opset },
        );
        await writeAtomic(flags.onnx, bytes);
        io.stdout.write(
          `wrote ${flags.onnx} (${(bytes.byteLength / 1024).toFixed(1)} KiB): ${file.config.layers}×${file.config.hidden} ${file.config.cell}, vocab ${file.config.vocabSize}\n`,
        );
      }),
    );
}

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (cause) {
    throw new CharrnnError(
      "EXPORT_WRITE_FAILED",
      `cannot write --onnx ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
}
