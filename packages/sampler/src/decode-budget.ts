import { CharrnnRangeError } from "@charrnn/core";
import type { StepModel } from "./step-model";

/**
 * Memory that one decoding call may plan for, in bytes (1 GiB). Decoding allocates per stream (a
 * sample or a beam) its state, logits, candidate scores and generated tokens up front or as it goes,
 * so a width or count in the millions would take gigabytes, or abort V8, before any text appears.
 */
export const DECODE_MEMORY_BUDGET = 2 ** 30;

/**
 * Bytes a decoding of `streams` parallel streams of `length` tokens needs, by a generous estimate
 * (measured on the plain-TS engine: 5–7 KiB a stream for a 1×64 LSTM over 72 tokens, where this
 * says 9–10 KiB): per stream the batched forward's buffers (state, gates and their copies: about 24
 * floats per hidden unit and layer), 8 floats per vocabulary entry (logits, probabilities, a
 * seen-token mask; for beam search also the float64 score and int32 index of each candidate) and
 * 1 KiB of bookkeeping; per token its id and text (16 bytes).
 */
export function decodeBytes(model: StepModel, streams: number, length: number, beam: boolean): number {
  const forwardBytes = 4 * 24 * model.layers * model.hidden;
  const rowBytes = model.vocabSize * (32 + (beam ? 12 : 0));
  return streams * (forwardBytes + rowBytes + 1024 + length * 16);
}

/**
 * Refuses a decoding whose {@link decodeBytes} exceed `budget`, naming the option to lower
 * (`option` = `num` or `beamWidth`, or `length` when a single stream is already too long) and the
 * largest value that fits.
 */
export function checkDecodeBudget(
  model: StepModel,
  option: "num" | "beamWidth",
  streams: number,
  length: number,
  budget: number = DECODE_MEMORY_BUDGET,
): void {
  const beam = option === "beamWidth";
  const need = decodeBytes(model, streams, length, beam);
  if (need <= budget) return;
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;
  const perStream = decodeBytes(model, 1, length, beam);
  const fits = Math.floor(budget / perStream);
  const what = `${streams} × ${length} tokens would need about ${gib(need)}, over the ${gib(budget)} decoding may use`;
  if (fits >= 1) {
    throw new CharrnnRangeError(option, `at most ${fits} for this model and length (${what})`, streams);
  }
  const base = decodeBytes(model, 1, 0, beam);
  const perToken = decodeBytes(model, 1, 1, beam) - base;
  const maxLength = Math.max(0, Math.floor((budget / streams - base) / perToken));
  throw new CharrnnRangeError("length", `at most ${maxLength} for this model (${what})`, length);
}
