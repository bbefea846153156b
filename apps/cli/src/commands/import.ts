import type { Command } from "commander";
import type { CliIo } from "../io";
import { readVocabFile } from "../model-source";
import { withFlagNames } from "../option-names";

interface ImportFlags {
  tfjs: string;
  vocab?: string;
  out: string;
}

export function registerImportCommand(program: Command, io: CliIo): void {
  program
    .command("import")
    .description(
      "convert a TF.js layers model (Embedding or one-hot input, stacked LSTM/GRU/SimpleRNN, Dense output) into a charrnn model file",
    )
    .requiredOption("--tfjs <dir>", "directory holding the TF.js model.json and its weight shards")
    .option("--vocab <file>", "its vocabulary: a JSON array of tokens (index = id) or a charrnn vocab file")
    .requiredOption("--out <file>", "the model.safetensors to write")
    .action((flags: ImportFlags) =>
      withFlagNames({}, async () => {
        const vocab = flags.vocab === undefined ? undefined : (await readVocabFile(flags.vocab)).toJSON();
        const { fromTfjsLayersModel } = await import("@charrnn/models");
        const { readTfjsLayersModel, saveModel } = await import("@charrnn/models/node");
        const file = fromTfjsLayersModel(await readTfjsLayersModel(flags.tfjs), {
          source: flags.tfjs,
          ...(vocab === undefined ? {} : { vocab }),
        });
        if (file.vocab.hash === undefined) {
          // A vocabulary from an export's metadata always has its hash; rebuild it to be sure.
          const { Vocab } = await import("@charrnn/vocab");
          file.vocab = Vocab.fromJSON(file.vocab).toJSON();
        }
        await saveModel(flags.out, file);
        const c = file.config;
        const input = c.input === "embedding" ? `embedding ${c.embed}` : "one-hot";
        // Said because such a model samples, scores and exports but does not train here.
        const gates = c.gateActivation === "hardSigmoid" ? ", hard-sigmoid gates" : "";
        io.stdout.write(
          `wrote ${flags.out}: ${c.layers}×${c.hidden} ${c.cell}, ${input} input${gates}, vocab ${c.vocabSize} (${file.vocab.level})\n`,
        );
      }),
    );
}
