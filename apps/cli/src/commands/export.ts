import { dirname } from "node:path";
import { CharrnnError } from "@charrnn/core";
import { makeDirs, writeFileAtomic } from "@charrnn/core/node";
import { type TfjsLayersModel, WEIGHT_DTYPES } from "@charrnn/models";
import type { Command } from "commander";
import type { CliIo } from "../io";
import { withFlagNames } from "../option-names";
import { orList } from "../option-table";
import { parseChoiceFlag, parseIntFlag, UsageError } from "../options";

interface ExportFlags {
  model: string;
  onnx?: string;
  out?: string;
  tfjs?: string;
  dtype?: string;
  opset?: string;
}

export function registerExportCommand(program: Command, io: CliIo): void {
  program
    .command("export")
    .description(
      "export a trained model: a standard ONNX file (RNN/GRU/LSTM ops, vocab in its metadata), a TF.js layers model, and/or a model file in another precision",
    )
    .requiredOption("--model <path>", "training output directory or model.safetensors")
    .option("--onnx <file>", "the .onnx file to write")
    .option("--out <file>", "a model.safetensors to write (with --dtype: a smaller copy of the model)")
    .option(
      "--tfjs <dir>",
      "a directory to write a TF.js layers model into (model.json + weight shards; a GRU runs one step per call)",
    )
    .option(
      "--dtype <type>",
      `precision of the weight matrices written: ${orList(WEIGHT_DTYPES)} (per-row scales) (default: the model's)`,
    )
    .option("--opset <n>", "ONNX opset version (14–21)")
    .action((flags: ExportFlags) =>
      withFlagNames({ opset: "--opset" }, async () => {
        if (flags.onnx === undefined && flags.out === undefined && flags.tfjs === undefined) {
          throw new UsageError(
            "export needs --onnx FILE, --tfjs DIR and/or --out FILE (a model.safetensors)",
          );
        }
        const opset = flags.opset === undefined ? undefined : parseIntFlag("--opset", flags.opset);
        const chosen =
          flags.dtype === undefined ? undefined : parseChoiceFlag("--dtype", flags.dtype, WEIGHT_DTYPES);
        const { loadModel, saveModel, writeTfjsLayersModel } = await import("@charrnn/models/node");
        const file = await loadModel(flags.model);
        const dtype = chosen ?? file.dtype ?? "f32";
        const what = `${file.config.layers}×${file.config.hidden} ${file.config.cell}, vocab ${file.config.vocabSize}, ${dtype}`;
        // Convert everything in memory first, so a model one format refuses leaves no file written.
        let onnxBytes: Uint8Array | undefined;
        if (flags.onnx !== undefined) {
          const { exportOnnx } = await import("@charrnn/onnx");
          onnxBytes = exportOnnx(
            { config: file.config, vocab: file.vocab, params: file.params },
            opset === undefined ? { dtype } : { opset, dtype },
          );
        }
        let tfjs: TfjsLayersModel | undefined;
        if (flags.tfjs !== undefined) {
          // TF.js layers models hold float32 weights; the model's (possibly reduced) weights widen to them.
          const { toTfjsLayersModel } = await import("@charrnn/models");
          tfjs = toTfjsLayersModel({ config: file.config, vocab: file.vocab, params: file.params });
        }
        if (flags.out !== undefined) {
          await saveModel(flags.out, file, { dtype });
          const { stat } = await import("node:fs/promises");
          io.stdout.write(`wrote ${flags.out} (${kib((await stat(flags.out)).size)}): ${what}\n`);
        }
        if (flags.onnx !== undefined && onnxBytes !== undefined) {
          writeAtomic(flags.onnx, onnxBytes);
          io.stdout.write(`wrote ${flags.onnx} (${kib(onnxBytes.byteLength)}): ${what}\n`);
        }
        if (flags.tfjs !== undefined && tfjs !== undefined) {
          await writeTfjsLayersModel(flags.tfjs, tfjs);
          const bytes = [...tfjs.shards.values()].reduce((n, b) => n + b.byteLength, 0);
          io.stdout.write(
            `wrote ${flags.tfjs}/model.json + ${tfjs.shards.size} weight shard(s) (${kib(bytes)}): ${file.config.layers}×${file.config.hidden} ${file.config.cell}, vocab ${file.config.vocabSize}, float32\n`,
          );
        }
      }),
    );
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function writeAtomic(path: string, bytes: Uint8Array): void {
  try {
    makeDirs(dirname(path));
    writeFileAtomic(path, bytes);
  } catch (cause) {
    throw new CharrnnError(
      "EXPORT_WRITE_FAILED",
      `cannot write --onnx ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
}
