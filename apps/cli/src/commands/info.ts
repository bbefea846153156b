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
      const info = {
        source: opened.source,
        format: opened.engine === "onnx" && !file ? "onnx" : "charrnn safetensors",
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
        [
          `model:      ${info.source} (${info.format})`,
          `network:    ${info.layers}×${info.hidden} ${info.cell}${file ? `, ${file.config.input}${file.config.input === "embedding" ? ` ${file.config.embed}` : ""} input` : ""}`,
          ...(paramCount === undefined ? [] : [`parameters: ${paramCount.toLocaleString("en-US")}`]),
          `vocabulary: ${info.vocabSize} ${info.level === "char" ? "characters" : "words"} (${info.vocabHash})`,
          ...(file?.training ? [`training:   ${JSON.stringify(file.training)}`] : []),
        ].join("\n") + "\n",
      );
    } finally {
      await opened.model.dispose?.();
    }
  });
}
