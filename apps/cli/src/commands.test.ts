import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fixture, runInProcess } from "./test/harness";

const shakespeare = readFileSync(fixture("tinyshakespeare.txt"), "utf8");

describe("train → sample → score → eval → export → info", () => {
  const dir = mkdtempSync(join(tmpdir(), "charrnn-cli-"));
  const corpus = join(dir, "corpus.txt");
  const out = join(dir, "run");
  const tiny = ["--engine", "reference", "--cell", "gru", "--layers", "1", "--hidden", "12", "--embed", "6"];
  const window = ["--seq", "8", "--batch", "2", "--val-fraction", "0.2", "--val-every", "4", "--seed", "5"];

  beforeAll(async () => {
    writeFileSync(corpus, shakespeare.slice(0, 2000));
    const result = await runInProcess([
      "train",
      "--data",
      corpus,
      "--out",
      out,
      ...tiny,
      ...window,
      "--max-steps",
      "8",
    ]);
    expect(result.stderr).toMatch(/engine reference/);
    expect(result.code).toBe(0);
  });

  it("train writes the model, checkpoints and a metrics log, and reports validation loss", async () => {
    expect(existsSync(join(out, "model.safetensors"))).toBe(true);
    const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(metrics.some((m) => typeof m.valLoss === "number")).toBe(true);
    expect(metrics.at(-1).step).toBe(8);
  });

  it("train --resume continues the run and refuses a different vocabulary", async () => {
    const more = await runInProcess([
      "train",
      "--data",
      corpus,
      "--resume",
      out,
      "--max-steps",
      "10",
      "--engine",
      "reference",
    ]);
    expect(more.code).toBe(0);
    expect(more.stderr).toMatch(/resuming from .* at step 8/);
    expect(more.stdout).toMatch(/trained 10 steps/);
    const other = join(dir, "other.txt");
    writeFileSync(other, "xyz xyz xyz ".repeat(300));
    const bad = await runInProcess([
      "train",
      "--data",
      other,
      "--resume",
      out,
      "--max-steps",
      "12",
      "--engine",
      "reference",
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split("\n").at(-1)).toMatch(/vocab/i);
  });

  it("train refuses bad flags before reading data", async () => {
    const cases: [string[], RegExp][] = [
      [["--dropout", "1"], /dropout/],
      [["--hidden", "0"], /--hidden must be ≥ 1, got 0/],
      [["--cell", "transformer"], /--cell must be one of rnn, gru, lstm/],
      [["--preset", "nope"], /--preset must be one of .*quickstart/],
      [["--engine", "gpu"], /--engine must be one of/],
    ];
    for (const [flags, message] of cases) {
      const result = await runInProcess(["train", "--data", corpus, "--out", join(dir, "bad"), ...flags]);
      expect(result.code, flags.join(" ")).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("sample is deterministic for a seed, streams the prime first, and validates options", async () => {
    const args = [
      "sample",
      "--model",
      out,
      "--prime",
      "First",
      "--length",
      "30",
      "--seed",
      "7",
      "--temperature",
      "0.9",
    ];
    const a = await runInProcess(args);
    const b = await runInProcess(args);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.startsWith("First")).toBe(true);
    expect([...a.stdout.trimEnd()].length).toBeGreaterThanOrEqual(5 + 25);
    const c = await runInProcess([...args.slice(0, -4), "--seed", "8", "--temperature", "0.9"]);
    expect(c.stdout).not.toBe(a.stdout);
    const bad = await runInProcess(["sample", "--model", out, "--top-p", "1.5"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--top-p must be in \(0, 1\], got 1.5/);
    const oov = await runInProcess(["sample", "--model", out, "--prime", "héllo ✓"]);
    expect(oov.code).toBe(1);
    expect(oov.stderr).toMatch(/U\+/);
  });

  it("sample --prime-file primes from a file, on the ts and onnx engines alike", async () => {
    // The whole 2000-character corpus as the prime: fed in blocks, not one step per character.
    const greedy = ["--length", "25", "--greedy"];
    const fromFile = await runInProcess(["sample", "--model", out, "--prime-file", corpus, ...greedy]);
    expect(fromFile.code).toBe(0);
    const text = readFileSync(corpus, "utf8");
    expect(fromFile.stdout.startsWith(text)).toBe(true);
    const fromFlag = await runInProcess(["sample", "--model", out, "--prime", text, ...greedy]);
    expect(fromFile.stdout).toBe(fromFlag.stdout);
    const onnx = join(dir, "prime.onnx");
    expect((await runInProcess(["export", "--model", out, "--onnx", onnx])).code).toBe(0);
    const viaOnnx = await runInProcess(["sample", "--model", onnx, "--prime-file", corpus, ...greedy]);
    expect(viaOnnx.code).toBe(0);
    expect(viaOnnx.stdout).toBe(fromFile.stdout);

    const both = await runInProcess(["sample", "--model", out, "--prime", "a", "--prime-file", corpus]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--prime or --prime-file, not both/);
    const missing = await runInProcess(["sample", "--model", out, "--prime-file", join(dir, "nope.txt")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read --prime-file .*nope\.txt/);
    const oovFile = join(dir, "oov.txt");
    writeFileSync(oovFile, "héllo ✓");
    const oov = await runInProcess(["sample", "--model", out, "--prime-file", oovFile]);
    expect(oov.code).toBe(1);
    expect(oov.stderr).toMatch(/--prime-file: .*U\+.*remove it from --prime-file/);
  });

  it("sample --json reports log-probabilities that score agrees with; --beam returns the best beams", async () => {
    const json = await runInProcess([
      "sample",
      "--model",
      out,
      "--prime",
      "The",
      "--length",
      "12",
      "--num",
      "3",
      "--json",
    ]);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.samples).toHaveLength(3);
    for (const s of parsed.samples) {
      expect(s.logProb).toBeLessThan(0);
      const scored = await runInProcess([
        "score",
        "--model",
        out,
        "--prime",
        "The",
        "--text",
        s.text,
        "--json",
      ]);
      expect(-JSON.parse(scored.stdout).totalNats).toBeCloseTo(s.logProb, 6);
    }
    // Six tokens after "The", decoded two ways.
    const decode = async (...mode: string[]) =>
      JSON.parse(
        (await runInProcess(["sample", "--model", out, "--prime", "The", "--length", "6", ...mode, "--json"]))
          .stdout,
      );
    const beams = await decode("--beam", "3");
    expect(beams.beams).toHaveLength(3);
    expect(beams.beams[0].logProb).toBeGreaterThanOrEqual(beams.beams[2].logProb);
    const greedy = await decode("--greedy");
    expect(beams.beams[0].logProb).toBeGreaterThanOrEqual(greedy.samples[0].logProb - 1e-9);
  });

  it("score prints nats, bits and perplexity, with per-token log-probs in JSON", async () => {
    const result = await runInProcess([
      "score",
      "--model",
      out,
      "--text",
      "First Citizen",
      "--json",
      "--top",
      "3",
    ]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.perToken).toHaveLength(12);
    const sum = json.perToken.reduce((s: number, t: { logProb: number }) => s + t.logProb, 0);
    expect(-sum).toBeCloseTo(json.totalNats, 9);
    expect(json.perplexity).toBeCloseTo(Math.exp(json.natsPerToken), 9);
    expect(json.perToken[0].top).toHaveLength(3);
    const both = await runInProcess(["score", "--model", out]);
    expect(both.code).toBe(2);
  });

  it("eval --val-fraction scores exactly the split training validates on", async () => {
    // 1999 chars: training's split keeps 1999 − floor(0.9 · 1999) = 200 for validation, where
    // floor(0.1 · 1999) would be 199.
    const text = shakespeare.slice(0, 1999);
    const whole = join(dir, "split-whole.txt");
    const tail = join(dir, "split-tail.txt");
    writeFileSync(whole, text);
    writeFileSync(tail, text.slice(1999 - 200));
    const evalJson = async (...args: string[]) =>
      JSON.parse((await runInProcess(["eval", "--model", out, "--json", "--batch", "1", ...args])).stdout);
    const split = await evalJson("--data", whole, "--val-fraction", "0.1");
    const direct = await evalJson("--data", tail);
    expect(split.tokens).toBe(direct.tokens);
    expect(split.natsPerToken).toBe(direct.natsPerToken);
  });

  it("export writes an ONNX file whose eval loss equals the model dir's", async () => {
    const onnx = join(dir, "model.onnx");
    const exported = await runInProcess(["export", "--model", out, "--onnx", onnx]);
    expect(exported.code).toBe(0);
    const fromDir = JSON.parse(
      (await runInProcess(["eval", "--model", out, "--data", corpus, "--json"])).stdout,
    );
    const fromOnnx = JSON.parse(
      (await runInProcess(["eval", "--model", onnx, "--data", corpus, "--json"])).stdout,
    );
    expect(fromOnnx.engine).toBe("onnx");
    expect(fromDir.tokens).toBe(fromOnnx.tokens);
    expect(Math.abs(fromDir.natsPerToken - fromOnnx.natsPerToken)).toBeLessThan(1e-4);
    const greedyTs = await runInProcess([
      "sample",
      "--model",
      out,
      "--prime",
      "The",
      "--length",
      "40",
      "--greedy",
    ]);
    const greedyOnnx = await runInProcess([
      "sample",
      "--model",
      onnx,
      "--prime",
      "The",
      "--length",
      "40",
      "--greedy",
    ]);
    expect(greedyOnnx.stdout).toBe(greedyTs.stdout);
    const info = JSON.parse((await runInProcess(["info", "--model", onnx, "--json"])).stdout);
    expect(info).toMatchObject({ cell: "gru", layers: 1, hidden: 12 });
  });

  it("sample, score and eval run on the WebAssembly engine by default, and on ts or onnx on request", async () => {
    const evalOn = async (...engine: string[]) =>
      JSON.parse(
        (await runInProcess(["eval", "--model", out, "--data", corpus, "--json", ...engine])).stdout,
      );
    const [wasm, ts] = [await evalOn(), await evalOn("--engine", "ts")];
    expect([wasm.engine, ts.engine]).toEqual(["wasm", "ts"]);
    expect(Math.abs(wasm.natsPerToken - ts.natsPerToken)).toBeLessThan(1e-5);
    const scoreOn = async (engine: string) =>
      JSON.parse(
        (
          await runInProcess([
            "score",
            "--model",
            out,
            "--text",
            "First Citizen",
            "--json",
            "--engine",
            engine,
          ])
        ).stdout,
      );
    expect((await scoreOn("wasm")).engine).toBe("wasm");
    expect(Math.abs((await scoreOn("wasm")).totalNats - (await scoreOn("ts")).totalNats)).toBeLessThan(1e-4);
    const sampleOn = async (...engine: string[]) =>
      (
        await runInProcess([
          "sample",
          "--model",
          out,
          "--prime",
          "The",
          "--length",
          "60",
          "--seed",
          "4",
          ...engine,
        ])
      ).stdout;
    expect(await sampleOn()).toBe(await sampleOn("--engine", "ts"));
    const onnxFile = join(dir, "model.onnx");
    const refused = await runInProcess(["sample", "--model", onnxFile, "--engine", "wasm"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--engine wasm cannot run .*model\.onnx/);
  });

  it("info describes the model dir", async () => {
    const result = await runInProcess(["info", "--model", out, "--json"]);
    const info = JSON.parse(result.stdout);
    expect(info.config).toMatchObject({ cell: "gru", layers: 1, hidden: 12, embed: 6 });
    expect(info.parameters).toBeGreaterThan(0);
    expect(info.vocabHash).toMatch(/^sha256:/);
  });
});

describe("foreign ONNX models", () => {
  it("reproduces the PyTorch export's greedy continuation exactly", async () => {
    const io = JSON.parse(readFileSync(fixture("torch/torch_char_gru.io.json"), "utf8"));
    const result = await runInProcess([
      "sample",
      "--model",
      fixture("torch/torch_char_gru.onnx"),
      "--vocab",
      fixture("torch/torch_char_gru.vocab.json"),
      "--prime",
      "ROMEO:",
      "--greedy",
      "--length",
      "200",
    ]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(`ROMEO:${io.greedy_200}\n`);
  });

  it("needs a vocabulary for a model without charrnn metadata", async () => {
    const result = await runInProcess(["sample", "--model", fixture("torch/torch_char_gru.onnx")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/vocab/);
  });
});

describe("charrnn parity", () => {
  it("passes on the PyTorch fixture for every cell and engine", async () => {
    const result = await runInProcess([
      "parity",
      "--torch-fixture",
      fixture("torch/torch_parity.json"),
      "--backend",
      "cpu",
      "--json",
    ]);
    expect(result.code).toBe(0);
    const { rows } = JSON.parse(result.stdout);
    expect(rows.map((r: { cell: string; engine: string }) => `${r.cell}/${r.engine}`).sort()).toEqual([
      "gru/ort",
      "gru/reference",
      "gru/tfjs",
      "lstm/ort",
      "lstm/reference",
      "lstm/tfjs",
      "rnn/ort",
      "rnn/reference",
      "rnn/tfjs",
    ]);
    for (const row of rows) {
      expect(row.pass).toBe(true);
      for (const error of [row.logits, row.state, row.loss, row.grad])
        expect(error).toBeLessThanOrEqual(1e-4);
    }
  });

  it("fails when the tolerance cannot be met", async () => {
    const result = await runInProcess([
      "parity",
      "--torch-fixture",
      fixture("torch/torch_parity.json"),
      "--tolerance",
      "1e-12",
      "--backend",
      "cpu",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/parity failed for .*lstm\/ort.*relative error above 1e-12/);
    expect(result.stderr).toMatch(/parity failed for .*tfjs/);
  });
});
