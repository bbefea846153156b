import { CharrnnError, createRng } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "./config";
import { modelDigest } from "./digest";
import { initParams } from "./init-params";
import type { ModelFile, ModelVocabJSON } from "./model-file";
import { MODEL_FORMAT, parseModel, serializeModel } from "./model-file";

const config = defaultConfig({ cell: "gru", layers: 2, hidden: 3, embed: 2, vocabSize: 4 });
const vocab: ModelVocabJSON = Vocab.fromJSON(["\n", " ", "a", "b"]).toJSON();
const HASH = vocab.hash!;
const model: ModelFile = {
  config,
  vocab,
  params: initParams(config, createRng(11)),
  training: { steps: 120, valLoss: 1.25 },
  metadata: { createdBy: "test" },
};

/** A safetensors file from a raw header object and a data section of `dataBytes` bytes. */
function build(header: unknown, dataBytes: number, pad = true): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = pad ? Math.ceil(json.length / 8) * 8 : json.length;
  const out = new Uint8Array(8 + n + dataBytes).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setUint32(0, n, true);
  out.set(json, 8);
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: the tests poke at raw header JSON
type RawHeader = Record<string, any>;

function headerOf(bytes: Uint8Array): RawHeader {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

const expectCode = (fn: () => unknown, code: string, message?: RegExp): void => {
  expect(fn).toThrow(
    expect.objectContaining({ code, ...(message ? { message: expect.stringMatching(message) } : {}) }),
  );
};

describe("serializeModel", () => {
  const bytes = serializeModel(model);

  it("writes the safetensors layout: u64 LE header length, padded JSON, F32 data in layout order", () => {
    const view = new DataView(bytes.buffer);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect(n % 8).toBe(0);
    const header = headerOf(bytes);
    expect(header.__metadata__.format).toBe(MODEL_FORMAT);
    expect(JSON.parse(header.__metadata__.config)).toEqual(config);
    expect(JSON.parse(header.__metadata__.vocab)).toEqual(vocab);
    expect(header.__metadata__.vocabHash).toBe(HASH);
    expect(JSON.parse(header.__metadata__.training)).toEqual({ steps: 120, valLoss: 1.25 });
    const names = Object.keys(header).filter((k) => k !== "__metadata__");
    expect(names[0]).toBe("embedding.weight");
    let offset = 0;
    for (const name of names) {
      const { dtype, shape, data_offsets } = header[name];
      expect(dtype).toBe("F32");
      expect(data_offsets[0]).toBe(offset);
      const t = model.params.get(name)!;
      expect(shape).toEqual(t.shape);
      for (let i = 0; i < t.data.length; i++)
        expect(view.getFloat32(8 + n + offset + 4 * i, true)).toBe(t.data[i]);
      offset = data_offsets[1];
    }
    expect(bytes.length).toBe(8 + n + offset);
  });

  it("round-trips through parseModel", () => {
    const parsed = parseModel(bytes, { expectVocabHash: HASH });
    expect(parsed.config).toEqual(config);
    expect(parsed.vocab).toEqual(vocab);
    expect(parsed.params).toEqual(model.params);
    expect(parsed.training).toEqual(model.training);
    expect(parsed.metadata).toEqual({ createdBy: "test" });
  });

  it("refuses a model that does not match its config or vocab", () => {
    expectCode(
      () => serializeModel({ ...model, vocab: { ...vocab, tokens: ["a"] } }),
      "MODEL_VOCAB_MISMATCH",
      /1 tokens/,
    );
    const { hash: _, ...noHash } = vocab;
    expectCode(() => serializeModel({ ...model, vocab: noHash }), "MODEL_VOCAB_MISMATCH", /no hash/);
    expectCode(() => serializeModel({ ...model, config: { ...config, hidden: 4 } }), "MODEL_SHAPE_MISMATCH");
    expectCode(() => serializeModel({ ...model, metadata: { config: "x" } }), "OPTION_RANGE", /reserved/);
  });
});

describe("parseModel", () => {
  const bytes = serializeModel(model);
  const header = headerOf(bytes);
  const dataBytes = bytes.length - 8 - new DataView(bytes.buffer).getUint32(0, true);
  /** The file with its header edited by hand; such an edit drops the digest (see the digest tests). */
  const withHeader = (patch: (h: RawHeader) => void): Uint8Array => {
    const h = structuredClone(header);
    delete h.__metadata__.sha256;
    patch(h);
    const out = build(h, dataBytes);
    out.set(bytes.subarray(bytes.length - dataBytes), out.length - dataBytes);
    return out;
  };

  it("names the file and the vocab hashes on a vocab mismatch", () => {
    expectCode(
      () => parseModel(bytes, { expectVocabHash: "sha256:ffff", source: "run/model.safetensors" }),
      "MODEL_VOCAB_MISMATCH",
      new RegExp(
        `^model file run/model\\.safetensors was trained with vocab ${HASH} but the vocab given is sha256:ffff`,
      ),
    );
  });

  it.each([
    ["a file shorter than 8 bytes", () => bytes.subarray(0, 5), /5 bytes, too short/],
    [
      "a header length beyond the file",
      () => bytes.subarray(0, 100),
      /header length \d+ exceeds the file size 100/,
    ],
    [
      "a header length over the cap (checked before allocating)",
      () => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setUint32(4, 1, true);
        return b;
      },
      /exceeds the 104857600-byte limit/,
    ],
    ["a JSON syntax error", () => build({}, 0).fill(0x7b, 8), /not valid JSON/],
    ["a header that is an array", () => build([1], 0), /not a JSON object/],
    [
      "offsets beyond the data",
      () => withHeader((h) => (h["output.bias"].data_offsets[1] += 4)),
      /tensor 'output.bias' data_offsets \[\d+,\d+\] exceed the data size \d+ \(file size \d+\); re-export/,
    ],
    [
      "offsets that do not match the shape",
      () => withHeader((h) => (h["output.bias"].shape = [5])),
      /'output.bias' data_offsets \[\d+,\d+\] hold 16 bytes but shape \[5\] needs 20/,
    ],
    [
      "overlapping tensors",
      () =>
        withHeader((h) => {
          h["output.bias"].data_offsets = [0, 16];
        }),
      /tensors '(embedding.weight|output.bias)' and '(embedding.weight|output.bias)' overlap/,
    ],
    [
      "a non-integer shape",
      () => withHeader((h) => (h["output.bias"].shape = [-4])),
      /not a list of non-negative integers/,
    ],
    [
      "metadata that is not strings",
      () => withHeader((h) => (h.__metadata__.x = 1)),
      /__metadata__ entry 'x'/,
    ],
    [
      "a config that is not JSON",
      () => withHeader((h) => (h.__metadata__.config = "{")),
      /__metadata__.config is not valid JSON/,
    ],
    [
      "an invalid config",
      () => withHeader((h) => (h.__metadata__.config = JSON.stringify({ ...config, layers: 0 }))),
      /its config is invalid \(layers must be an integer ≥ 1, got 0\)/,
    ],
    ["a missing vocab", () => withHeader((h) => delete h.__metadata__.vocab), /__metadata__ has no vocab/],
    [
      "a vocab whose hash disagrees with vocabHash",
      () => withHeader((h) => (h.__metadata__.vocabHash = "sha256:9")),
      new RegExp(`stored vocab says ${HASH} but vocabHash says sha256:9`),
    ],
  ])("reports %s as MODEL_FILE_CORRUPT", (_, make, message) => {
    expectCode(() => parseModel(make(), { source: "m.st" }), "MODEL_FILE_CORRUPT", message);
    expect(() => parseModel(make(), { source: "m.st" })).toThrow(/^model file m\.st is damaged: /);
  });

  it("reports dtype, format, and shape problems with their own codes", () => {
    expectCode(
      () => parseModel(withHeader((h) => (h["output.bias"].dtype = "F64"))),
      "MODEL_DTYPE_UNSUPPORTED",
      /"F64"/,
    );
    expectCode(
      () => parseModel(withHeader((h) => (h.__metadata__.format = "charrnn-model/9"))),
      "MODEL_FORMAT_UNSUPPORTED",
      /charrnn-model\/9/,
    );
    expectCode(
      () => parseModel(withHeader((h) => (h.__metadata__.config = JSON.stringify({ ...config, hidden: 4 })))),
      "MODEL_SHAPE_MISMATCH",
      /tensor 'rnn.weight_ih_l0' has shape \[9,2\] .* needs \[12,2\]/,
    );
  });

  it("loads a safetensors file with PyTorch names when config and vocab are given", () => {
    const pt = {
      "emb.weight": "embedding.weight",
      "gru.weight_ih_l0": "rnn.weight_ih_l0",
      "fc.bias": "output.bias",
    };
    const foreign = withHeader((h) => {
      delete h.__metadata__;
      for (const [theirs, ours] of Object.entries(pt)) {
        h[theirs] = h[ours];
        delete h[ours];
      }
    });
    expectCode(
      () => parseModel(foreign, { source: "x.safetensors" }),
      "MODEL_METADATA_MISSING",
      /x\.safetensors has no charrnn metadata/,
    );
    const parsed = parseModel(foreign, { config, vocab });
    expect(parsed.params).toEqual(model.params);
    expect(parsed.vocab).toBe(vocab);
  });

  it("carries a sha256 of its metadata and tensors: any flipped byte is refused as damaged", () => {
    const digest = header.__metadata__.sha256;
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const { sha256: _, ...rest } = header.__metadata__;
    const stored = new Map([...model.params].map(([name, t]) => [name, t] as const));
    const ordered = new Map(
      [...Object.keys(header)].filter((k) => k !== "__metadata__").map((k) => [k, stored.get(k)!]),
    );
    expect(modelDigest(ordered, rest)).toBe(digest);
    const rng = createRng(7);
    const dataStart = bytes.length - dataBytes;
    for (let i = 0; i < 40; i++) {
      const flipped = bytes.slice();
      flipped[dataStart + rng.nextInt(dataBytes)]! ^= 1 << rng.nextInt(8);
      expectCode(
        () => parseModel(flipped, { source: "w.st" }),
        "MODEL_FILE_CORRUPT",
        /^model file w\.st is damaged: its content does not match the sha256 digest it carries \(__metadata__\.sha256\); re-export/,
      );
    }
    // A changed digit in the metadata (training steps 120 → 920), the header still valid JSON.
    const text = new TextDecoder().decode(bytes);
    const at = text.indexOf('\\"steps\\":120');
    expect(at).toBeGreaterThan(0);
    const edited = bytes.slice();
    edited[at + '\\"steps\\":'.length] = "9".charCodeAt(0);
    expectCode(
      () => parseModel(edited, { source: "m.st" }),
      "MODEL_FILE_CORRUPT",
      /m\.st is damaged: its content does not match/,
    );
  });

  it("loads a file without the digest (written before it existed, or by another tool)", () => {
    const parsed = parseModel(withHeader(() => {}));
    expect(parsed.params).toEqual(model.params);
    expect(parsed.metadata).toEqual({ createdBy: "test" });
  });

  it("checks the config against the tensors present before sizing anything from it (layers: 1e9)", () => {
    expectCode(
      () =>
        parseModel(
          withHeader((h) => (h.__metadata__.config = JSON.stringify({ ...config, layers: 1e9 }))),
          { source: "huge.st" },
        ),
      "MODEL_FILE_CORRUPT",
      /^model file huge\.st is damaged: its config \(1000000000 gru layers, embedding input\) needs 4000000003 tensors but the file holds 11;/,
    );
  });

  it("names the file when the stored vocabulary is invalid (a token listed twice)", () => {
    const twice = withHeader((h) => {
      const v = JSON.parse(h.__metadata__.vocab);
      v.tokens[3] = "a";
      h.__metadata__.vocab = JSON.stringify(v);
    });
    expectCode(
      () => parseModel(twice, { source: "dup.st" }),
      "MODEL_FILE_CORRUPT",
      /^model file dup\.st is damaged: its vocabulary is invalid \(.*token "a" appears twice \(ids 2 and 3\).*\); re-export/,
    );
  });

  it("survives random damage: every failure is a CharrnnError", () => {
    const rng = createRng(2024);
    let failures = 0;
    for (let i = 0; i < 300; i++) {
      const damaged = bytes.slice(0, i % 3 === 0 ? rng.nextInt(bytes.length) : bytes.length);
      const flips = 1 + rng.nextInt(4);
      const inHeader = i % 2 === 0;
      for (let f = 0; f < flips && damaged.length > 0; f++) {
        const at = inHeader
          ? rng.nextInt(Math.min(damaged.length, 8 + header.__metadata__.config.length + 200))
          : rng.nextInt(damaged.length);
        damaged[at] = rng.nextInt(256);
      }
      try {
        parseModel(damaged);
      } catch (error) {
        failures++;
        if (!(error instanceof CharrnnError)) throw error;
      }
    }
    expect(failures).toBeGreaterThan(100);
  });
});
