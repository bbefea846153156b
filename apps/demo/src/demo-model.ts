import { CharrnnError } from "@charrnn/core";
import { type ModelConfig, paramCount, parseModel } from "@charrnn/models";
import {
  createOrtStepModel,
  exportOnnx,
  inspectOnnx,
  type OrtModule,
  readCharrnnMetadata,
} from "@charrnn/onnx";
import { createTsStepModel, createWasmStepModel, type StepModel, wasmSimdSupported } from "@charrnn/sampler";
import { Vocab } from "@charrnn/vocab";
import { detectModelFormat } from "./model-format";

/**
 * The inference engines the page can run, in order of preference; the page's engine switch is drawn
 * from this list, so another engine is one more entry here and its factory in `openSafetensors`.
 */
export const GENERATION_ENGINES = [
  // The sampler's WebAssembly SIMD engine: the default wherever the browser has WebAssembly SIMD.
  { name: "wasm", label: "WebAssembly SIMD", choice: "WebAssembly SIMD" },
  { name: "ts", label: "plain TypeScript", choice: "Plain TypeScript" },
  { name: "onnx", label: "onnxruntime-web (WebAssembly)", choice: "onnxruntime-web (WebAssembly)" },
] as const;
export type EngineName = (typeof GENERATION_ENGINES)[number]["name"];

/** A model opened by the page, with lazily created engines. */
export interface DemoModel {
  /** File name (or "bundled model"). */
  readonly name: string;
  readonly vocab: Vocab;
  readonly config: ModelConfig | undefined;
  /** One line about the model: architecture, vocabulary, training. */
  readonly summary: string;
  /** Engines this model can run on, in order of preference. */
  readonly engines: readonly EngineName[];
  /** The step model for an engine, created on first use and kept. */
  engine(name: EngineName): Promise<StepModel>;
  dispose(): Promise<void>;
}

/** How the page gets the onnxruntime module (loaded on demand: its wasm is large). */
export type OrtLoader = () => Promise<OrtModule>;

/**
 * Opens a dropped model file: a charrnn model (.safetensors) runs on every engine (exported to ONNX
 * in the page for onnxruntime-web); an .onnx file with charrnn metadata runs on onnxruntime-web.
 */
export function openModelFile(name: string, bytes: Uint8Array, loadOrt: OrtLoader): DemoModel {
  return detectModelFormat(name, bytes) === "onnx"
    ? openOnnx(name, bytes, loadOrt)
    : openSafetensors(name, bytes, loadOrt);
}

/**
 * Opens a charrnn model file. `onnxBytes`, when given, is the same model already exported (the bundled
 * model ships both); its vocabulary must match.
 */
export function openSafetensors(
  name: string,
  bytes: Uint8Array,
  loadOrt: OrtLoader,
  onnxBytes?: () => Promise<Uint8Array>,
): DemoModel {
  const file = parseModel(bytes, { source: name });
  const vocab = Vocab.fromJSON(file.vocab);
  const { config, params } = file;
  const onnx = onnxBytes ?? (async () => exportOnnx({ config, vocab: vocab.toJSON(), params }));
  return cachedEngines(name, vocab, config, describeModel(config, file.training), {
    ...(wasmSimdSupported()
      ? {
          wasm: async () =>
            createWasmStepModel({ config, params, ...(file.int8 ? { int8: file.int8 } : {}) }),
        }
      : {}),
    ts: async () => createTsStepModel({ config, params }),
    onnx: async () => createOrtStepModel(await loadOrt(), await onnx(), { vocab, source: name }),
  });
}

/** Opens an ONNX file; it must carry charrnn metadata (at least the vocabulary). */
export function openOnnx(name: string, bytes: Uint8Array, loadOrt: OrtLoader): DemoModel {
  const meta = readCharrnnMetadata(inspectOnnx(bytes, name).metadata, name);
  if (meta.vocab === undefined) {
    throw new CharrnnError(
      "ONNX_NO_VOCAB",
      `${name} carries no charrnn vocabulary (metadata charrnn.vocab); export it with charrnn export, or drop the model.safetensors`,
    );
  }
  const summary = meta.config
    ? describeModel(meta.config, undefined)
    : `ONNX model, ${meta.vocab.size} tokens (no charrnn config)`;
  return cachedEngines(name, meta.vocab, meta.config, summary, {
    onnx: async () => createOrtStepModel(await loadOrt(), bytes, { source: name }),
  });
}

/** "1×128 LSTM · 65 characters · 102,641 parameters · val loss 1.52 at step 600". */
export function describeModel(config: ModelConfig, training: Record<string, unknown> | undefined): string {
  const parts = [
    `${config.layers}×${config.hidden} ${config.cell.toUpperCase()}`,
    `${config.vocabSize} tokens`,
    `${paramCount(config).toLocaleString("en-US")} parameters`,
  ];
  const loss = training?.valLoss;
  const step = training?.step;
  if (typeof loss === "number") {
    parts.push(`val loss ${loss.toFixed(3)}${typeof step === "number" ? ` at step ${step}` : ""}`);
  }
  return parts.join(" · ");
}

function cachedEngines(
  name: string,
  vocab: Vocab,
  config: ModelConfig | undefined,
  summary: string,
  factories: Partial<Record<EngineName, () => Promise<StepModel>>>,
): DemoModel {
  const made = new Map<EngineName, Promise<StepModel>>();
  return {
    name,
    vocab,
    config,
    summary,
    engines: GENERATION_ENGINES.map((e) => e.name).filter((e) => factories[e] !== undefined),
    engine(engine) {
      let model = made.get(engine);
      if (model === undefined) {
        const factory = factories[engine];
        if (factory === undefined) {
          return Promise.reject(
            new CharrnnError(
              "ENGINE_UNAVAILABLE",
              `${name} cannot run on the ${engine} engine; pick another`,
            ),
          );
        }
        model = factory();
        // A failed start (bad file, wasm missing) may be retried after the cause is fixed.
        model.catch(() => made.delete(engine));
        made.set(engine, model);
      }
      return model;
    },
    async dispose() {
      for (const model of made.values()) {
        try {
          await (await model).dispose?.();
        } catch {
          // Already reported when it failed to start.
        }
      }
      made.clear();
    },
  };
}
