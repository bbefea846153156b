import { CharrnnError } from "@charrnn/core";
import type { ModelConfig } from "@charrnn/models";
import { Vocab, type VocabJSON } from "@charrnn/vocab";
import { checkOnnxDigest, ONNX_DIGEST_KEY } from "./onnx-digest";
import { proto } from "./proto";

/** Value of `charrnn.format` in files written by `exportOnnx`. */
export const ONNX_FORMAT = "charrnn-onnx/1";

/** The `metadata_props` keys `exportOnnx` writes and `loadOnnxModel` reads. */
export const METADATA_KEYS = {
  /** `"charrnn-onnx/1"`. */
  format: "charrnn.format",
  /** The `ModelConfig` as JSON. */
  config: "charrnn.config",
  /** The `VocabJSON` as JSON. */
  vocab: "charrnn.vocab",
  /** `"sha256:<hex>"`, `Vocab.hash` of that vocabulary. */
  vocabHash: "charrnn.vocab_hash",
  /** Hex sha256 of the file without this entry (see `encodeWithDigest`); refused as damaged on a mismatch. */
  sha256: ONNX_DIGEST_KEY,
  /** Precision of the stored weight matrices: `"f32"`, `"f16"`, `"bf16"` or `"int8"`. */
  dtype: "charrnn.dtype",
} as const;

/** What an ONNX file says about itself, read without a runtime. */
export interface OnnxFileInfo {
  /** `metadata_props`, key → value. */
  metadata: Map<string, string>;
  /** Operator types of the main graph (`"GRU"`, `"Gather"`, …). */
  opTypes: Set<string>;
  producerName: string;
  /** Version of the default (`ai.onnx`) opset. */
  opset: number | undefined;
}

/** Decodes an ONNX file's header, metadata and operator list. `source` names the file in errors. */
export function inspectOnnx(bytes: Uint8Array, source = "the ONNX model"): OnnxFileInfo {
  let model: ReturnType<typeof proto.ModelProto.decode>;
  try {
    model = proto.ModelProto.decode(bytes);
  } catch (cause) {
    throw new CharrnnError(
      "ONNX_INVALID",
      `${source} is not a valid ONNX file (${(cause as Error).message})`,
      {
        cause,
      },
    );
  }
  // Random bytes often decode as a message of unknown fields; without a graph there is no model, so
  // refuse it here rather than hand it to a runtime.
  if (!model.graph?.node?.length || !model.graph.output?.length) {
    throw new CharrnnError("ONNX_INVALID", `${source} is not a valid ONNX file (it has no graph)`);
  }
  const metadata = new Map<string, string>();
  for (const entry of model.metadataProps) metadata.set(entry.key ?? "", entry.value ?? "");
  const digest = metadata.get(ONNX_DIGEST_KEY);
  if (digest !== undefined) checkOnnxDigest(bytes, digest, source);
  const opTypes = new Set<string>();
  for (const n of model.graph?.node ?? []) opTypes.add(n.opType ?? "");
  const defaultOpset = model.opsetImport.find((o) => o.domain === "" || o.domain === "ai.onnx");
  return {
    metadata,
    opTypes,
    producerName: model.producerName,
    opset: defaultOpset === undefined ? undefined : Number(defaultOpset.version),
  };
}

/** The charrnn metadata of a file; both fields absent for a foreign model. */
export interface CharrnnMetadata {
  config?: ModelConfig;
  vocab?: Vocab;
}

/**
 * Parses the `charrnn.*` metadata: the config, and the vocabulary checked against `charrnn.vocab_hash`.
 * Throws `ONNX_BAD_METADATA` when present but unreadable or inconsistent.
 */
export function readCharrnnMetadata(
  metadata: ReadonlyMap<string, string>,
  source = "the ONNX model",
): CharrnnMetadata {
  const format = metadata.get(METADATA_KEYS.format);
  const out: CharrnnMetadata = {};
  if (format === undefined) return out;
  if (format !== ONNX_FORMAT) {
    throw new CharrnnError(
      "ONNX_BAD_METADATA",
      `${source} has ${METADATA_KEYS.format} "${format}"; this version reads "${ONNX_FORMAT}", upgrade charrnn or re-export the model`,
    );
  }
  const configText = metadata.get(METADATA_KEYS.config);
  if (configText !== undefined) out.config = parseJson<ModelConfig>(configText, METADATA_KEYS.config, source);
  const vocabText = metadata.get(METADATA_KEYS.vocab);
  if (vocabText !== undefined) {
    const json = parseJson<VocabJSON | string[]>(vocabText, METADATA_KEYS.vocab, source);
    const vocab = Vocab.fromJSON(json);
    const hash = metadata.get(METADATA_KEYS.vocabHash);
    if (hash !== undefined && hash !== vocab.hash) {
      throw new CharrnnError(
        "ONNX_BAD_METADATA",
        `${source}: ${METADATA_KEYS.vocab} hashes to ${vocab.hash} but ${METADATA_KEYS.vocabHash} says ${hash}; the file was edited, re-export it`,
      );
    }
    out.vocab = vocab;
  }
  return out;
}

function parseJson<T>(text: string, key: string, source: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new CharrnnError(
      "ONNX_BAD_METADATA",
      `${source}: metadata ${key} is not valid JSON; re-export the model`,
      {
        cause,
      },
    );
  }
}
