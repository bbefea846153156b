import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { MODEL_FILE } from "@charrnn/core";
import type { ModelFile } from "@charrnn/models";
import type { Command } from "commander";
import type { CliIo } from "../io";
import { openModel } from "../model-source";
import { addModelFlags } from "./model-flags";

interface InfoFlags {
  model: string;
  vocab?: string;
  json?: boolean;
}

export function registerInfoCommand(program: Command, io: CliIo): void {
  const command = program
    .command("info")
    .description("describe a model: architecture, parameters, vocabulary and how it was trained")
    .requiredOption("--model <path>", "training output directory, model.safetensors, or .onnx file")
    .option("--json", "print as JSON");
  addModelFlags(command);
  command.action(async (flags: InfoFlags) => {
    const opened = await openModel(flags.model, { ...flags, vocabFile: flags.vocab });
    try {
      const { model, vocab, file } = opened;
      const paramCount = file ? [...file.params.values()].reduce((n, t) => n + t.data.length, 0) : undefined;
      const stored = await storedForm(opened.source, file);
      const info = {
        source: opened.source,
        format: opened.engine === "onnx" && !file ? "onnx" : "charrnn safetensors",
        ...stored,
        cell: model.cell,
        layers: model.layers,
        hidden: model.hidden,
        vocabSize: model.vocabSize,
        level: vocab.level,
        vocabHash: vocab.hash,
        ...(file && { config: file.config, parameters: paramCount }),
        ...(file?.training && { training: file.training }),
      };
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      io.stdout.write(
        `${[
          `model:      ${info.source} (${info.format})`,
          `file:       ${(stored.bytes / 1024).toFixed(1)} KiB, weights ${stored.dtype ?? "unknown precision"}`,
          `network:    ${info.layers}×${info.hidden} ${info.cell}${file ? `, ${file.config.input}${file.config.input === "embedding" ? ` ${file.config.embed}` : ""} input` : ""}${file?.config.gateActivation === "hardSigmoid" ? ", hard-sigmoid gates" : ""}`,
          ...(paramCount === undefined ? [] : [`parameters: ${paramCount.toLocaleString("en-US")}`]),
          `vocabulary: ${info.vocabSize} ${info.level === "char" ? "characters" : "words"} (${info.vocabHash})`,
          ...(file?.training ? [`training:   ${JSON.stringify(file.training)}`] : []),
        ].join("\n")}\n`,
      );
    } finally {
      await opened.model.dispose?.();
    }
  });
}

/** The file's size in bytes and the precision its weights are stored in (`undefined`: a foreign ONNX file). */
async function storedForm(
  source: string,
  file: ModelFile | undefined,
): Promise<{ bytes: number; dtype?: string }> {
  const path = (await stat(source)).isDirectory() ? join(source, MODEL_FILE) : source;
  if (file) return { bytes: (await stat(path)).size, dtype: file.dtype ?? "f32" };
  const { inspectOnnx, METADATA_KEYS } = await import("@charrnn/onnx");
  const bytes = await readFile(path);
  const metadata = inspectOnnx(bytes, path).metadata;
  // charrnn exports from before reduced dtypes stored float32 and say nothing.
  const dtype = metadata.get(METADATA_KEYS.dtype) ?? (metadata.has(METADATA_KEYS.format) ? "f32" : undefined);
  return dtype === undefined ? { bytes: bytes.byteLength } : { bytes: bytes.byteLength, dtype };
}
