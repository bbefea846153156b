import type { Command } from "commander";

/** Flags shared by every command that opens a model for inference. */
export function addModelFlags(command: Command): Command {
  return command
    .option(
      "--engine <name>",
      "inference engine: wasm (WebAssembly SIMD, the default where available), ts (plain TypeScript) or onnx (onnxruntime-node)",
    )
    .option("--vocab <file>", "vocabulary for models that carry none (JSON array of tokens, index = id)")
    .option("--onnx-tokens <name>", "name of a foreign ONNX model's token input")
    .option("--onnx-h0 <name>", "name of a foreign ONNX model's initial hidden-state input")
    .option("--onnx-c0 <name>", "name of a foreign ONNX model's initial cell-state input (LSTM)")
    .option("--onnx-logits <name>", "name of a foreign ONNX model's logits output")
    .option("--onnx-h <name>", "name of a foreign ONNX model's final hidden-state output")
    .option("--onnx-c <name>", "name of a foreign ONNX model's final cell-state output (LSTM)");
}
