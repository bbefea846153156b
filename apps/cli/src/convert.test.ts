import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "@charrnn/core";
import { defaultConfig, initParams } from "@charrnn/models";
import { saveModel } from "@charrnn/models/node";
import { Vocab } from "@charrnn/vocab";
import { beforeAll, describe, expect, it } from "vitest";
import { fixture, runInProcess } from "./test/harness";

describe("conversions: export --out/--onnx/--tfjs --dtype, import --tfjs → info/sample/score/eval", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-dtype-"));
  const corpus = join(dir, "corpus.txt");
  const run = join(dir, "run");
  const json = async (args: string[]) => {
    const result = await runInProcess(args);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    writeFileSync(corpus, readFileSync(fixture("tinyshakespeare.txt"), "utf8").slice(0, 3000));
    const trained = await runInProcess([
      ...["train", "--data", corpus, "--out", run, "--engine", "reference", "--cell", "lstm"],
      ...["--layers", "2", "--hidden", "16", "--embed", "8", "--seq", "8", "--batch", "2"],
      ...["--val-fraction", "0.2", "--seed", "3", "--max-steps", "12"],
    ]);
    expect(trained.code).toBe(0);
  });

  it.each(["f16", "bf16", "int8"])(
    "%s round-trips save → load → info/sample/score/eval/export",
    async (dtype) => {
      const small = join(dir, `${dtype}.safetensors`);
      const onnx = join(dir, `${dtype}.onnx`);
      const exported = await runInProcess([
        "export",
        "--model",
        run,
        "--out",
        small,
        "--onnx",
        onnx,
        "--dtype",
        dtype,
      ]);
      expect(exported.code).toBe(0);
      expect(exported.stdout).toMatch(
        new RegExp(`wrote .*${dtype}\\.safetensors \\(.* KiB\\): 2×16 lstm, vocab \\d+, ${dtype}`),
      );

      const full = statSync(join(run, "model.safetensors")).size;
      const info = await json(["info", "--model", small, "--json"]);
      expect(info).toMatchObject({ dtype, bytes: statSync(small).size, cell: "lstm", layers: 2 });
      // The header (config, vocab) is a large share of so small a model; exact sizes: models weight-dtype.test.
      expect(info.bytes).toBeLessThan(full * 0.7);
      expect(await json(["info", "--model", onnx, "--json"])).toMatchObject({ dtype, format: "onnx" });
      const text = (await runInProcess(["info", "--model", small])).stdout;
      expect(text).toMatch(new RegExp(`file: +[\\d.]+ KiB, weights ${dtype}`));

      const evalFull = await json(["eval", "--model", run, "--data", corpus, "--json"]);
      const evalSmall = await json(["eval", "--model", small, "--data", corpus, "--json"]);
      const evalOnnx = await json(["eval", "--model", onnx, "--data", corpus, "--json"]);
      expect(evalSmall.tokens).toBe(evalFull.tokens);
      // The reduced weights change the loss a little, and the ONNX file computes the same reduced model.
      expect(Math.abs(evalSmall.natsPerToken - evalFull.natsPerToken)).toBeLessThan(0.05);
      expect(Math.abs(evalOnnx.natsPerToken - evalSmall.natsPerToken)).toBeLessThan(1e-4);

      const scored = await json(["score", "--model", small, "--text", "ROMEO: the king", "--json"]);
      const scoredFull = await json(["score", "--model", run, "--text", "ROMEO: the king", "--json"]);
      expect(Math.abs(scored.natsPerToken - scoredFull.natsPerToken)).toBeLessThan(0.05);
      expect(scored.natsPerToken).not.toBe(scoredFull.natsPerToken);
      const greedy = ["--prime", "ROMEO:", "--length", "30", "--greedy"];
      const fromSmall = await runInProcess(["sample", "--model", small, ...greedy]);
      const fromOnnx = await runInProcess(["sample", "--model", onnx, ...greedy]);
      expect(fromSmall.code).toBe(0);
      expect(fromSmall.stdout.length).toBeGreaterThan(30);
      expect(fromOnnx.stdout).toBe(fromSmall.stdout);

      // A reduced model file exports again in its own dtype unless told otherwise.
      const again = join(dir, `${dtype}-again.onnx`);
      expect((await runInProcess(["export", "--model", small, "--onnx", again])).code).toBe(0);
      expect(await json(["info", "--model", again, "--json"])).toMatchObject({ dtype });
    },
  );

  it("refuses export without an output and an unknown --dtype, with exit 2", async () => {
    const none = await runInProcess(["export", "--model", run]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/export needs --onnx FILE, --tfjs DIR and\/or --out FILE/);
    const bad = await runInProcess([
      "export",
      "--model",
      run,
      "--out",
      join(dir, "x.safetensors"),
      "--dtype",
      "f8",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--dtype must be one of f32, f16, bf16, int8, got "f8"/);
  });

  it("export --tfjs → import --tfjs gives back a model with the same loss (LSTM and GRU); classifiers are refused", async () => {
    const tfjsDir = join(dir, "tfjs");
    const exported = await runInProcess(["export", "--model", run, "--tfjs", tfjsDir]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/model\.json \+ 1 weight shard\(s\)/);
    const modelJson = JSON.parse(readFileSync(join(tfjsDir, "model.json"), "utf8"));
    expect(modelJson.format).toBe("layers-model");
    const back = join(dir, "from-tfjs.safetensors");
    const imported = await runInProcess(["import", "--tfjs", tfjsDir, "--out", back]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/2×16 lstm, embedding 8 input/);
    const evalFull = await json(["eval", "--model", run, "--data", corpus, "--json"]);
    const evalBack = await json(["eval", "--model", back, "--data", corpus, "--json"]);
    expect(Math.abs(evalBack.natsPerToken - evalFull.natsPerToken)).toBeLessThan(1e-5);

    // --vocab as a plain token array replaces the metadata's; a wrong-sized one is refused.
    const tokens: string[] = modelJson.userDefinedMetadata.charrnn.vocab.tokens;
    writeFileSync(join(dir, "tokens.json"), JSON.stringify(tokens));
    const withVocab = await runInProcess([
      "import",
      "--tfjs",
      tfjsDir,
      "--vocab",
      join(dir, "tokens.json"),
      "--out",
      back,
    ]);
    expect(withVocab.code).toBe(0);
    writeFileSync(join(dir, "short.json"), JSON.stringify(tokens.slice(1)));
    const short = await runInProcess([
      "import",
      "--tfjs",
      tfjsDir,
      "--vocab",
      join(dir, "short.json"),
      "--out",
      join(dir, "x.st"),
    ]);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/but the vocabulary has/);

    const gruRun = join(dir, "gru");
    await runInProcess([
      ...["train", "--data", corpus, "--out", gruRun, "--engine", "reference", "--cell", "gru"],
      ...["--layers", "1", "--hidden", "8", "--embed", "4", "--seq", "8", "--batch", "2", "--max-steps", "2"],
    ]);
    // A GRU exports as one step per call from standard layers, and imports back to the same loss.
    const gruTfjs = join(dir, "gru-tfjs");
    const gru = await runInProcess(["export", "--model", gruRun, "--tfjs", gruTfjs]);
    expect(gru.stderr).toBe("");
    expect(
      JSON.parse(readFileSync(join(gruTfjs, "model.json"), "utf8")).userDefinedMetadata.charrnn.steps,
    ).toBe(1);
    const gruBack = join(dir, "gru-back.safetensors");
    expect((await runInProcess(["import", "--tfjs", gruTfjs, "--out", gruBack])).code).toBe(0);
    const gruEval = await json(["eval", "--model", gruRun, "--data", corpus, "--json"]);
    const gruEvalBack = await json(["eval", "--model", gruBack, "--data", corpus, "--json"]);
    expect(Math.abs(gruEvalBack.natsPerToken - gruEval.natsPerToken)).toBeLessThan(1e-5);

    // A refused format (a classifier to TF.js) is refused before anything is written: no ONNX file either.
    const classifier = join(dir, "classifier.safetensors");
    const config = defaultConfig({
      vocabSize: 5,
      hidden: 4,
      head: { kind: "classifier", labels: ["a", "b"], pooling: "last" },
    });
    await saveModel(classifier, {
      config,
      vocab: Vocab.fromText("abcde").toJSON(),
      params: initParams(config, createRng(1)),
    });
    const classifierOnnx = join(dir, "classifier.onnx");
    const refused = await runInProcess([
      ...["export", "--model", classifier, "--onnx", classifierOnnx, "--tfjs", join(dir, "classifier-tfjs")],
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot export a classifier to TF\.js; export it with --onnx/);
    expect(existsSync(classifierOnnx)).toBe(false);
    expect(existsSync(join(dir, "classifier-tfjs"))).toBe(false);
    const missing = await runInProcess([
      "import",
      "--tfjs",
      join(dir, "nowhere"),
      "--out",
      join(dir, "y.st"),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere\/model\.json does not exist/);
  });

  it("import --tfjs of the TF.js lstm-text-generation example (hard-sigmoid gates) → sample on every engine, export; fine-tuning it is refused", async () => {
    const example = fixture("tfjs-lstm-text-generation");
    const model = join(dir, "example.safetensors");
    const imported = await runInProcess([
      ...["import", "--tfjs", example, "--vocab", join(example, "vocab.json"), "--out", model],
    ]);
    expect(imported.stderr).toBe("");
    expect(imported.stdout).toMatch(/2×16 lstm, one-hot input, hard-sigmoid gates, vocab 12/);
    const info = await runInProcess(["info", "--model", model]);
    expect(info.stdout).toMatch(/network: +2×16 lstm, onehot input, hard-sigmoid gates\n/);
    const texts = [];
    for (const engine of ["wasm", "ts", "onnx"]) {
      const out = await runInProcess([
        ...[
          "sample",
          "--model",
          model,
          "--engine",
          engine,
          "--prime",
          "abc",
          "--length",
          "60",
          "--seed",
          "5",
        ],
      ]);
      expect(out.code).toBe(0);
      texts.push(out.stdout);
    }
    expect(texts[1]).toBe(texts[0]);
    expect(texts[2]).toBe(texts[0]);
    const onnx = await runInProcess(["export", "--model", model, "--onnx", join(dir, "example.onnx")]);
    expect(onnx.code).toBe(0);
    const tuned = await runInProcess([
      ...["train", "--data", corpus, "--out", join(dir, "tuned"), "--init-from", model, "--max-steps", "1"],
    ]);
    expect(tuned.code).toBe(1);
    expect(tuned.stderr).toMatch(
      /^charrnn: --init-from .*hard-sigmoid gates .*recurrentActivation: 'sigmoid'/,
    );
    expect(existsSync(join(dir, "tuned", "model.safetensors"))).toBe(false);
  });
});
