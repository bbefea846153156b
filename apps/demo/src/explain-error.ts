import { CharrnnError } from "@charrnn/core";
import { errorMessage } from "./dom";

/** A sentence for a visitor, and the raw message for whoever wants the detail. */
export interface Explained {
  message: string;
  detail: string | undefined;
}

const WRITTEN_BY =
  "Open a .safetensors file written by charrnn train, or an .onnx file written by charrnn export.";

/**
 * Turns an error from opening a model file into a sentence a visitor understands ("header length
 * 14975156114790242000 exceeds …" means the file is not a model), keeping the raw message as the
 * detail. Messages already written for people (an unknown format) pass through unchanged.
 */
export function explainModelError(fileName: string, error: unknown): Explained {
  const raw = errorMessage(error);
  const code = error instanceof CharrnnError ? error.code : undefined;
  const sentence = (text: string): Explained => ({ message: text, detail: raw });
  switch (code) {
    case "MODEL_FORMAT_UNKNOWN":
      return { message: raw, detail: undefined };
    case "MODEL_FILE_CORRUPT":
    case "ONNX_INVALID":
    case "ONNX_READ_FAILED":
    case "MODEL_READ_FAILED":
      return sentence(
        `${fileName} is not a model file this page can read: it may be damaged, cut short, or a different kind of file. ${WRITTEN_BY}`,
      );
    case "MODEL_DTYPE_UNSUPPORTED":
    case "MODEL_FORMAT_UNSUPPORTED":
      return sentence(
        `${fileName} was written in a format this page does not know (perhaps by a newer charrnn). ${WRITTEN_BY}`,
      );
    case "ONNX_NO_VOCAB":
    case "ONNX_BAD_METADATA":
    case "MODEL_METADATA_MISSING":
      return sentence(
        `${fileName} does not say which characters the model knows, so the page cannot turn its output into text. Export it with charrnn export, or open the model's .safetensors file instead.`,
      );
    case "ONNX_BAD_INTERFACE":
      return sentence(
        `${fileName} is an ONNX model, but not a character model with the inputs and outputs charrnn uses. ${WRITTEN_BY}`,
      );
    case "MODEL_SHAPE_MISMATCH":
    case "MODEL_STATE_DICT":
    case "MODEL_HEAD_MISMATCH":
    case "MODEL_VOCAB_MISMATCH":
    case "ONNX_VOCAB_MISMATCH":
    case "MODEL_NONFINITE":
      return sentence(
        `${fileName} looks like a charrnn model, but its contents do not fit together (it may be damaged or edited). Train or export it again.`,
      );
    default:
      return sentence(`${fileName} could not be opened. ${WRITTEN_BY}`);
  }
}
