/**
 * The TF.js layers-model format (`model.json` + binary weight shards), the subset charrnn writes and
 * reads. `modelTopology` is a Keras model config in snake_case, as `tf.LayersModel.save` writes it.
 */

/** One weight of a `weightsManifest` group, in shard byte order. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  /** Present on quantized weights (`tensorflowjs_converter --quantize_*`). */
  quantization?: unknown;
}

/** A `weightsManifest` group: its weights' bytes, concatenated, are split over `paths`. */
export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

/** A Keras layer entry of `modelTopology.config.layers`. */
export interface KerasLayerJSON {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

/** `model.json` of a TF.js layers model. */
export interface TfjsModelJSON {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: {
    class_name: string;
    config: Record<string, unknown> | KerasLayerJSON[];
    keras_version?: string;
    backend?: string;
  };
  weightsManifest: TfjsWeightGroup[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** A layers model in memory: `model.json` and each shard's bytes by its path. */
export interface TfjsLayersModel {
  modelJson: TfjsModelJSON;
  /** Shard path (as written in `weightsManifest[].paths`) → bytes. */
  shards: Map<string, Uint8Array>;
}

/** TF.js writes shards of at most 4 MiB (browsers cache files of that size well); so do we. */
export const TFJS_SHARD_BYTES = 4 * 1024 * 1024;

/** The `userDefinedMetadata` key charrnn exports put their config and vocabulary under. */
export const TFJS_METADATA_KEY = "charrnn";
