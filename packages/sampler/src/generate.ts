import { CharrnnRangeError, createRng, deriveSeed, type Rng } from "@charrnn/core";
import { checkDecodeBudget } from "./decode-budget";
import { decodeLoop, prepareStart, type Sample } from "./decode-loop";
import { checkCount, type GenerateOptions, resolveDecoding, resolveStop, type TokenEvent } from "./options";
import type { StepModel } from "./step-model";
import { checkVocabSize, type TokenVocab } from "./token-vocab";

/** The first sample's fields, plus every sample when `num > 1`. */
export interface GenerateResult extends Sample {
  samples: Sample[];
}

/**
 * Generates text: primes the model, then samples `length` tokens per sample (all `num` samples in
 * one batch) with the decoding options, calling `onToken` for each token.
 * @example
 * const { text } = await generate(model, vocab, { prime: "ROMEO:", length: 300, temperature: 0.8, seed: 1 });
 */
export async function generate(
  model: StepModel,
  vocab: TokenVocab,
  options: GenerateOptions = {},
): Promise<GenerateResult> {
  const run = stream(model, vocab, options);
  for (;;) {
    const r = await run.next();
    if (r.done === true) return r.value;
  }
}

/**
 * Like {@link generate}, as an async iterator of {@link TokenEvent}s (text pieces as tokens are
 * made); the iterator's return value is the {@link GenerateResult}. Options are validated on call.
 * @example
 * for await (const piece of stream(model, vocab, { prime: "A", length: 100 })) process.stdout.write(piece.text);
 */
export function stream(
  model: StepModel,
  vocab: TokenVocab,
  options: GenerateOptions = {},
): AsyncGenerator<TokenEvent, GenerateResult, void> {
  checkVocabSize(model.vocabSize, vocab);
  const decoding = resolveDecoding(options);
  const stop = resolveStop(options);
  const num = checkCount("num", options.num ?? 1);
  checkDecodeBudget(model, "num", num, stop.length, options.memoryBudget);
  const rngs = sampleRngs(options, num);
  const onToken = options.onToken;
  return (async function* () {
    const start = await prepareStart(model, vocab, options, num, rngs);
    const seen = decoding.tracksSeen ? new Uint8Array(num * vocab.size) : null;
    const loop = decodeLoop(model, vocab, decoding, stop, start, rngs, seen, false);
    for (;;) {
      const r = await loop.next();
      if (r.done === true) return { ...r.value.samples[0]!, samples: r.value.samples };
      onToken?.(r.value);
      yield r.value;
    }
  })();
}

function sampleRngs(options: GenerateOptions, num: number): Rng[] {
  if (options.rng !== undefined) return new Array<Rng>(num).fill(options.rng);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new CharrnnRangeError("seed", "an integer", seed);
  return Array.from({ length: num }, (_, i) => createRng(deriveSeed(seed, i)));
}
