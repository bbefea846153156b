import { CharrnnError } from "@charrnn/core";

/**
 * Graph input/output names of a char model. charrnn's exports (and the usual `torch.onnx.export`
 * call) use the defaults; other files map theirs with these options or the CLI flags in {@link ONNX_NAME_FLAGS}.
 */
export interface OnnxNames {
  /** Input: int64 (or int32) token ids `[batch, seq]`. @defaultValue "tokens" */
  tokens: string;
  /** Input: float hidden state `[layers, batch, hidden]`. @defaultValue "h0" */
  h0: string;
  /** Input: float LSTM cell state `[layers, batch, hidden]`; its presence makes the model an LSTM. @defaultValue "c0" */
  c0: string;
  /** Output: float logits `[batch, seq, vocab]`. @defaultValue "logits" */
  logits: string;
  /** Output: hidden state after the last step. @defaultValue "h" */
  h: string;
  /** Output: LSTM cell state after the last step. @defaultValue "c" */
  c: string;
}

export const DEFAULT_ONNX_NAMES: Readonly<OnnxNames> = Object.freeze({
  tokens: "tokens",
  h0: "h0",
  c0: "c0",
  logits: "logits",
  h: "h",
  c: "c",
});

/** The `charrnn` CLI flag that maps each name (`--onnx-tokens ids`). */
export const ONNX_NAME_FLAGS: Readonly<Record<keyof OnnxNames, string>> = Object.freeze({
  tokens: "--onnx-tokens",
  h0: "--onnx-h0",
  c0: "--onnx-c0",
  logits: "--onnx-logits",
  h: "--onnx-h",
  c: "--onnx-c",
});

/** An input or output as a runtime reports it; `type`/`shape` absent or `[]` when unknown. */
export interface OnnxValueInfo {
  name: string;
  type?: string;
  shape?: readonly (number | string)[];
}

/** The checked interface of a model. Sizes are present when the file fixes them. */
export interface ResolvedOnnxInterface {
  names: OnnxNames;
  /** Whether the model has a cell state (`c0` in, `c` out): an LSTM. */
  lstm: boolean;
  tokensType: "int64" | "int32";
  layers?: number;
  hidden?: number;
  vocabSize?: number;
}

/**
 * Checks that a model's inputs and outputs follow the convention (after mapping `names`), and reads
 * the sizes its static shapes fix. Throws `ONNX_BAD_INTERFACE` naming the missing or odd value and
 * the flag that maps it.
 */
export function resolveOnnxInterface(
  inputs: readonly OnnxValueInfo[],
  outputs: readonly OnnxValueInfo[],
  names: Partial<OnnxNames> = {},
  source = "the ONNX model",
): ResolvedOnnxInterface {
  const n: OnnxNames = { ...DEFAULT_ONNX_NAMES, ...definedOnly(names) };
  const find = (list: readonly OnnxValueInfo[], key: keyof OnnxNames) => list.find((v) => v.name === n[key]);
  const need = (
    list: readonly OnnxValueInfo[],
    key: keyof OnnxNames,
    kind: "input" | "output",
  ): OnnxValueInfo => {
    const v = find(list, key);
    if (v === undefined) {
      const have = list.map((x) => x.name).join(", ") || "none";
      throw bad(
        `${source} has no ${kind} "${n[key]}" (${kind}s: ${have}); map it with ${ONNX_NAME_FLAGS[key]} <name>`,
      );
    }
    return v;
  };
  const tokens = need(inputs, "tokens", "input");
  const h0 = need(inputs, "h0", "input");
  const c0 = find(inputs, "c0");
  if (c0 === undefined && names.c0 !== undefined) {
    throw bad(
      `${source} has no input "${n.c0}" given by ${ONNX_NAME_FLAGS.c0}; drop the flag for a GRU or RNN`,
    );
  }
  const logits = need(outputs, "logits", "output");
  const h = need(outputs, "h", "output");
  const c = c0 === undefined ? undefined : need(outputs, "c", "output");
  for (const v of inputs) {
    if (v !== tokens && v !== h0 && v !== c0) {
      throw bad(
        `${source} has an input "${v.name}" charrnn does not feed (it feeds tokens, h0 and c0); map the names with --onnx-tokens/--onnx-h0/--onnx-c0`,
      );
    }
  }

  const tokensType = tokens.type === undefined || tokens.type === "int64" ? "int64" : tokens.type;
  if (tokensType !== "int64" && tokensType !== "int32") {
    throw bad(
      `${source} input "${tokens.name}" is ${tokensType}; token ids must be int64 or int32 (${ONNX_NAME_FLAGS.tokens})`,
    );
  }
  checkValue(tokens, 2, undefined, ONNX_NAME_FLAGS.tokens, source);
  for (const [v, key] of [
    [h0, "h0"],
    [c0, "c0"],
    [logits, "logits"],
    [h, "h"],
    [c, "c"],
  ] as const) {
    if (v !== undefined) checkValue(v, 3, "float32", ONNX_NAME_FLAGS[key], source);
  }

  const out: ResolvedOnnxInterface = { names: n, lstm: c0 !== undefined, tokensType };
  const layers = staticDim(h0, 0) ?? staticDim(h, 0);
  const hidden = staticDim(h0, 2) ?? staticDim(h, 2);
  const vocabSize = staticDim(logits, 2);
  if (layers !== undefined) out.layers = layers;
  if (hidden !== undefined) out.hidden = hidden;
  if (vocabSize !== undefined) out.vocabSize = vocabSize;
  return out;
}

function checkValue(
  v: OnnxValueInfo,
  rank: number,
  type: string | undefined,
  flag: string,
  source: string,
): void {
  if (type !== undefined && v.type !== undefined && v.type !== type) {
    throw bad(`${source} value "${v.name}" is ${v.type}, expected ${type}; check ${flag}`);
  }
  // Runtimes report an unknown shape as [], so only a known shape is checked.
  if (v.shape !== undefined && v.shape.length > 0 && v.shape.length !== rank) {
    throw bad(
      `${source} value "${v.name}" has rank ${v.shape.length} ([${v.shape.join(", ")}]), expected ${rank}; check ${flag}`,
    );
  }
}

function staticDim(v: OnnxValueInfo | undefined, axis: number): number | undefined {
  const d = v?.shape?.[axis];
  return typeof d === "number" && d > 0 ? d : undefined;
}

function definedOnly(names: Partial<OnnxNames>): Partial<OnnxNames> {
  const out: Partial<OnnxNames> = {};
  for (const [k, v] of Object.entries(names)) if (v !== undefined) out[k as keyof OnnxNames] = v;
  return out;
}

function bad(message: string): CharrnnError {
  return new CharrnnError("ONNX_BAD_INTERFACE", message);
}
