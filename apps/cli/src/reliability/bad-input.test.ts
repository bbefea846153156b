import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHECKPOINT_DIR } from "@charrnn/core";
import { decodeSafetensors, encodeSafetensors } from "@charrnn/models";
import { METADATA_KEYS, proto } from "@charrnn/onnx";
import { listCheckpoints } from "@charrnn/trainer";
import { beforeAll, describe, expect, it } from "vitest";
import { fixture, runInProcess } from "../test/harness";
import { TINY_MODEL } from "./spawn-cli";

const dir = mkdtempSync(join(tmpdir(), "charrnn-bad-"));
const corpus = join(dir, "corpus.txt");
const run = join(dir, "run");
const text = readFileSync(fixture("tinyshakespeare.txt"), "utf8").slice(0, 2000);

/** One line on stderr, prefixed `charrnn:`, matching `pattern`, not an "unexpected error", non-zero exit. */
function expectOneLineError(result: { code: number; stderr: string }, pattern: RegExp, exit = 1): void {
  const lines = result.stderr.trim().split("\n");
  const last = lines.at(-1) ?? "";
  expect(result.code, result.stderr).toBe(exit);
  expect(last, result.stderr).toMatch(/^charrnn: /);
  expect(last).toMatch(pattern);
  expect(last).not.toMatch(/unexpected error/);
}

const file = (name: string, content: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const train = (data: string, out: string, extra: string[] = []) =>
  runInProcess(["train", "--data", data, "--out", out, ...TINY_MODEL, "--max-steps", "4", ...extra]);

beforeAll(async () => {
  writeFileSync(corpus, text);
  const result = await train(corpus, run, ["--val-every", "2"]);
  expect(result.code, result.stderr).toBe(0);
  const exported = await runInProcess(["export", "--model", run, "--onnx", join(dir, "model.onnx")]);
  expect(exported.code, exported.stderr).toBe(0);
});

describe("bad corpora", () => {
  const cases: [string, () => string, RegExp][] = [
    ["missing", () => join(dir, "nope.txt"), /corpus file .*nope\.txt not found/],
    // A directory is a corpus of its *.txt files (--data-glob); one without any is refused by name.
    [
      "a directory without text files",
      () => {
        const empty = join(dir, "no-text");
        mkdirSync(empty, { recursive: true });
        file("no-text/notes.md", "not *.txt");
        return empty;
      },
      /corpus .*no-text matches no file \(directories take the files matching \*\.txt\)/,
    ],
    ["empty", () => file("empty.txt", ""), /empty\.txt is empty/],
    [
      "one distinct character",
      () => file("one.txt", "a".repeat(500)),
      /one\.txt has only one distinct character; a language model needs at least 2/,
    ],
    ["binary", () => file("bin.dat", new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3])), /looks binary/],
    [
      "invalid UTF-8",
      () => file("latin1.txt", new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b])),
      /latin1\.txt is not valid UTF-8 \(at byte offset 3\)/,
    ],
    [
      "shorter than one batch window",
      () => file("short.txt", "abcdefgh"),
      /needs at least 17; lower --batch or --seq/,
    ],
  ];
  for (const [what, path, message] of cases) {
    it(`refuses a corpus that is ${what}`, async () => {
      const out = join(dir, `out-${what.replace(/\W+/g, "-")}`);
      expectOneLineError(await train(path(), out), message);
    });
  }
  // Not testable here: an unreadable (chmod 000) corpus, because tests run as root and root reads it.
});

describe("flags out of range", () => {
  const trainCases: [string[], RegExp][] = [
    [["--hidden", "0"], /--hidden must be ≥ 1, got 0/],
    [["--layers", "-1"], /--layers must be ≥ 1, got -1/],
    [["--seq", "0"], /--seq must be ≥ 1/],
    [["--batch", "-2"], /--batch must be ≥ 1/],
    [["--embed", "0"], /--embed must be ≥ 1/],
    [["--dropout", "1"], /--dropout must be in \[0, 1\), got 1/],
    [["--lr", "-0.1"], /--lr must be a finite number > 0/],
    [["--checkpoint-every", "0"], /--checkpoint-every must be ≥ 1/],
    [["--hidden", "many"], /--hidden must be a number, got "many"/],
    [["--cell", "transformer"], /--cell must be one of rnn, gru, lstm/],
    [["--optimizer", "lion"], /--optimizer must be one of adam, sgd, rmsprop, adagrad/],
    [["--preset", "gpt"], /--preset must be one of .*quickstart/],
    [["--engine", "gpu"], /--engine must be one of/],
    [["--on-diverge", "foo"], /--on-diverge must be one of stop, rollback, got "foo"/],
    [["--max-rollbacks", "-1"], /--max-rollbacks must be ≥ 0, got -1/],
  ];
  it("train refuses each with a usage error (exit 2) naming the flag", async () => {
    for (const [flags, message] of trainCases) {
      const result = await runInProcess(["train", "--data", corpus, "--out", join(dir, "flags"), ...flags]);
      expectOneLineError(result, message, 2);
    }
    const backend = await runInProcess([
      "train",
      "--data",
      corpus,
      "--out",
      join(dir, "flags"),
      "--engine",
      "tfjs",
      "--backend",
      "quantum",
    ]);
    expect(backend.code).not.toBe(0);
    expect(backend.stderr.trim().split("\n").at(-1)).toMatch(/--backend must be one of auto, tensorflow/);
  });

  const sampleCases: [string[], RegExp][] = [
    [["--top-p", "1.5"], /--top-p must be in \(0, 1\], got 1.5/],
    [["--top-p", "0"], /--top-p must be in \(0, 1\], got 0/],
    [["--temperature", "-1"], /--temperature must be > 0 \(or 0 for greedy\), got -1/],
    [["--top-k", "0"], /--top-k must be an integer ≥ 1/],
    [["--length", "-5"], /--length must be ≥ 0/],
    [["--engine", "cuda"], /--engine must be one of wasm, ts, onnx/],
  ];
  it("sample refuses each with a usage error naming the flag; temperature 0 is greedy, not an error", async () => {
    for (const [flags, message] of sampleCases) {
      expectOneLineError(await runInProcess(["sample", "--model", run, ...flags]), message, 2);
    }
    const greedy = await runInProcess(["sample", "--model", run, "--length", "5", "--temperature", "0"]);
    expect(greedy.code, greedy.stderr).toBe(0);
  });
});

describe("flags that ask for absurd sizes", () => {
  it("train refuses a model too large for this machine's memory before allocating it, saying how much (exit 2)", async () => {
    const cases: [string[], RegExp][] = [
      // The size the audit found growing past 8 GB: the default 2-layer LSTM at 16000 units.
      [
        ["--hidden", "16000", "--seq", "8", "--batch", "2"],
        /a 2×16000 lstm .* batch 2 × seq 8 would need about [\d.]+ GiB to train, more than the [\d.]+ GiB it may use here \(80 % of memory\); lower --hidden, --layers, --embed, --batch or --seq$/,
      ],
      [[...TINY_MODEL, "--layers", "1e9"], /a 1000000000×12 gru .* would need about [\d.]+ GiB to train/],
      [
        [...TINY_MODEL, "--embed", "1e9"],
        /has a weight matrix of [\d.e+]+ numbers, more than one array can hold/,
      ],
    ];
    for (const [flags, message] of cases) {
      const started = Date.now();
      const out = join(dir, "huge");
      const result = await runInProcess([
        "train",
        "--data",
        corpus,
        "--out",
        out,
        "--engine",
        "reference",
        ...flags,
      ]);
      expectOneLineError(result, message, 2);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });

  it("integer flags beyond 2^53 are usage errors, not unexpected ones", async () => {
    const seed = await runInProcess([
      "train",
      "--data",
      corpus,
      "--out",
      join(dir, "seed"),
      "--seed",
      "1e30",
    ]);
    expectOneLineError(seed, /--seed must be an integer between −2\^53 and 2\^53, got 1e30/, 2);
    const sample = await runInProcess(["sample", "--model", run, "--seed", "1e30"]);
    expectOneLineError(sample, /--seed must be an integer between −2\^53 and 2\^53/, 2);
  });

  it("sample bounds the beam width, the sample count and the length by memory (exit 2, at once)", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["--beam", "1000000", "--length", "10"],
        /^charrnn: --beam must be at most \d+ for this model and length \(1000000 × 10 tokens would need about [\d.]+ GiB, over the 1\.0 GiB decoding may use\)/,
      ],
      [["--num", "1000000000"], /^charrnn: --num must be at most \d+ for this model and length/],
      [["--length", "1e12"], /^charrnn: --length must be at most \d+ for this model/],
    ];
    for (const [flags, message] of cases) {
      const started = Date.now();
      expectOneLineError(await runInProcess(["sample", "--model", run, ...flags]), message, 2);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });
});

describe("damaged model files, checkpoints and .onnx files", () => {
  const damage = (from: string, to: string, edit: (bytes: Uint8Array) => Uint8Array): string => {
    const bytes = edit(new Uint8Array(readFileSync(from)));
    return file(to, bytes);
  };
  const truncate = (bytes: Uint8Array) => bytes.subarray(0, Math.floor(bytes.length * 0.6));
  const flipLast = (bytes: Uint8Array) => {
    const copy = bytes.slice();
    copy[copy.length - 3]! ^= 0x40;
    return copy;
  };

  it("a truncated or bit-flipped model file is refused, naming the file", async () => {
    const model = join(run, "model.safetensors");
    const cut = damage(model, "cut.safetensors", truncate);
    expectOneLineError(
      await runInProcess(["sample", "--model", cut]),
      /model file .*cut\.safetensors is damaged/,
    );
    // A flip in the header's JSON (byte 20) breaks its structure.
    const header = damage(model, "header.safetensors", (b) => {
      const copy = b.slice();
      copy[20] = 0x7b;
      return copy;
    });
    expectOneLineError(await runInProcess(["sample", "--model", header]), /header\.safetensors is damaged/);
  });

  it("one flipped weight byte in model.safetensors or in an exported .onnx is refused as damaged (sha256)", async () => {
    const flipWeight = (bytes: Uint8Array) => {
      const copy = bytes.slice();
      // Well inside the data: after the header of a .safetensors, before the metadata of an .onnx.
      copy[Math.floor(copy.length * 0.7)]! ^= 0x01;
      return copy;
    };
    const model = damage(join(run, "model.safetensors"), "weight.safetensors", flipWeight);
    expectOneLineError(
      await runInProcess(["sample", "--model", model, "--length", "3"]),
      /model file .*weight\.safetensors is damaged: its content does not match the sha256 digest it carries/,
    );
    const onnx = damage(join(dir, "model.onnx"), "weight.onnx", (bytes) => {
      const copy = bytes.slice();
      copy[Math.floor(copy.length * 0.3)]! ^= 0x01;
      return copy;
    });
    expectOneLineError(
      await runInProcess(["sample", "--model", onnx, "--length", "3"]),
      /weight\.onnx is damaged: its bytes do not match the sha256 digest it carries \(charrnn\.sha256\)/,
    );
  });

  it("a model file whose stored vocabulary is invalid (a token twice) is refused naming the file", async () => {
    const { tensors, metadata } = decodeSafetensors(readFileSync(join(run, "model.safetensors")));
    const { sha256: _, ...meta } = metadata!;
    const vocab = JSON.parse(meta.vocab!) as { tokens: string[] };
    vocab.tokens[1] = vocab.tokens[0]!;
    const twice = file(
      "twice.safetensors",
      encodeSafetensors(tensors, { ...meta, vocab: JSON.stringify(vocab) }),
    );
    expectOneLineError(
      await runInProcess(["sample", "--model", twice, "--length", "3"]),
      /model file .*twice\.safetensors is damaged: its vocabulary is invalid \(.*appears twice/,
    );
  });

  it("a damaged newest checkpoint is skipped with a warning; with none valid, resume fails naming the directory", async () => {
    const copy = join(dir, "run-copy");
    mkdirSync(join(copy, CHECKPOINT_DIR), { recursive: true });
    const ckpts = listCheckpoints(join(run, CHECKPOINT_DIR));
    expect(ckpts.length).toBeGreaterThan(0);
    const newest = ckpts[0]!;
    const target = join(copy, CHECKPOINT_DIR, "ckpt-00000099.safetensors");
    writeFileSync(target, flipLast(new Uint8Array(readFileSync(newest.path))));
    copyFileSync(newest.path, join(copy, CHECKPOINT_DIR, newest.path.split("/").at(-1)!));
    const resumed = await runInProcess([
      "train",
      "--data",
      corpus,
      "--resume",
      copy,
      "--engine",
      "reference",
      "--max-steps",
      String(newest.step + 1),
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/warning: skipping checkpoint .*ckpt-00000099.*does not match its sha256/);
    expect(resumed.stderr).toMatch(new RegExp(`at step ${newest.step}`));

    const broken = join(dir, "run-broken");
    mkdirSync(join(broken, CHECKPOINT_DIR), { recursive: true });
    writeFileSync(
      join(broken, CHECKPOINT_DIR, "ckpt-00000004.safetensors"),
      truncate(readFileSync(newest.path)),
    );
    const failed = await runInProcess([
      "train",
      "--data",
      corpus,
      "--resume",
      broken,
      "--engine",
      "reference",
    ]);
    expectOneLineError(failed, /no valid checkpoint to resume in .*run-broken/);
  });

  it("a truncated or bit-flipped .onnx is refused as ONNX_INVALID naming the file", async () => {
    const onnx = join(dir, "model.onnx");
    const cut = damage(onnx, "cut.onnx", truncate);
    expectOneLineError(await runInProcess(["sample", "--model", cut, "--length", "3"]), /cut\.onnx is not/);
    // Byte 1 is the ir_version varint; 0x80 turns it into an unterminated varint run.
    const flipped = damage(onnx, "flipped.onnx", (b) => {
      const copy = b.slice();
      for (let i = 0; i < 16; i++) copy[i] = 0xff;
      return copy;
    });
    expectOneLineError(
      await runInProcess(["sample", "--model", flipped, "--length", "3"]),
      /flipped\.onnx is not/,
    );
  });

  it("an .onnx whose inputs do not follow the convention names the value and the flag to map it", async () => {
    const model = proto.ModelProto.decode(readFileSync(join(dir, "model.onnx")));
    // Edited as another tool would: without charrnn's digest (a stale one reads as damage).
    model.metadataProps = model.metadataProps.filter((e) => e.key !== METADATA_KEYS.sha256);
    const graph = model.graph!;
    for (const input of graph.input ?? []) if (input.name === "tokens") input.name = "input_ids";
    for (const n of graph.node ?? [])
      n.input = (n.input ?? []).map((name) => (name === "tokens" ? "input_ids" : name));
    const renamed = file("renamed.onnx", proto.ModelProto.encode(model).finish());
    expectOneLineError(
      await runInProcess(["sample", "--model", renamed, "--length", "3"]),
      /renamed\.onnx has no input "tokens" \(inputs: input_ids, h0\); map it with --onnx-tokens/,
    );
    const mapped = await runInProcess([
      "sample",
      "--model",
      renamed,
      "--length",
      "3",
      "--onnx-tokens",
      "input_ids",
    ]);
    expect(mapped.code, mapped.stderr).toBe(0);
  });
});

describe("mismatches", () => {
  it("resuming with a corpus of another vocabulary names both hashes", async () => {
    const other = file("other.txt", "xyz xyz xyz ".repeat(300));
    const result = await runInProcess(["train", "--data", other, "--resume", run, "--engine", "reference"]);
    expectOneLineError(result, /vocab sha256:\w+ differs from sha256:\w+ in .*ckpt-/);
  });

  it("a prime with characters outside the vocabulary fails before anything is printed", async () => {
    const result = await runInProcess(["sample", "--model", run, "--prime", "Thé ✓"]);
    expectOneLineError(result, /--prime: character "é" \(U\+00E9\) at code point 2/);
    expect(result.stdout).toBe("");
  });
});

describe("output directories that cannot be written", () => {
  it("a path under a regular file (ENOTDIR) or that is a file is refused, naming it", async () => {
    const plain = file("plain.txt", "x");
    expectOneLineError(
      await train(corpus, join(plain, "out")),
      /cannot use .*plain\.txt\/out as the output directory: it is, or lies under, a regular file/,
    );
    expectOneLineError(await train(corpus, plain), /cannot use .*plain\.txt as the output directory/);
  });

  it("a path on a virtual file system fails at once instead of hanging (Node's recursive mkdir loops on /proc)", async () => {
    expectOneLineError(
      await train(corpus, "/proc/charrnn-test/out"),
      /cannot use \/proc\/charrnn-test\/out as the output directory/,
    );
  });

  it("export --onnx naming an existing directory fails naming it and leaves no temp file", async () => {
    const target = join(dir, "onnx-dir");
    mkdirSync(target);
    expectOneLineError(
      await runInProcess(["export", "--model", run, "--onnx", target]),
      /cannot write --onnx .*onnx-dir/,
    );
    expect(readdirSync(dir).filter((name) => name.startsWith("onnx-dir"))).toEqual(["onnx-dir"]);
    expect(readdirSync(target)).toEqual([]);
  });

  it("export and classify train fail at once on a /proc path too, naming it", async () => {
    expectOneLineError(
      await runInProcess(["export", "--model", run, "--onnx", "/proc/charrnn-test/model.onnx"]),
      /cannot write --onnx \/proc\/charrnn-test\/model\.onnx: /,
    );
    expectOneLineError(
      await runInProcess(["export", "--model", run, "--out", "/proc/charrnn-test/model.safetensors"]),
      /cannot write model file \/proc\/charrnn-test\/model\.safetensors: /,
    );
    const labelled = file("labelled.csv", "text,label\nab,x\ncd,y\n");
    expectOneLineError(
      await runInProcess(["classify", "train", "--data", labelled, "--out", "/proc/charrnn-test/out"]),
      /cannot use \/proc\/charrnn-test\/out as the output directory/,
    );
  });

  // Root ignores permission bits, so a chmod-ed directory is writable here; sysfs refuses even root.
  it.skipIf(!existsSync("/sys/kernel"))(
    "an existing directory that refuses writes (sysfs) is refused",
    async () => {
      expectOneLineError(
        await train(corpus, "/sys/kernel"),
        /cannot create \/sys\/kernel\/train\.lock: .*; choose a writable outDir/,
      );
    },
  );
});
