/** A compact array of token ids: the smallest unsigned typed array that holds every id of a vocab. */
export type IdArray = Uint8Array | Uint16Array | Uint32Array;

/** Constructor of an {@link IdArray}. */
export type IdArrayConstructor = Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor;

/**
 * The smallest unsigned typed array constructor whose elements hold ids `0 … size-1`:
 * `Uint8Array` up to 256 tokens, `Uint16Array` up to 65 536, else `Uint32Array`.
 */
export function smallestIdArray(size: number): IdArrayConstructor {
  if (size <= 0x100) return Uint8Array;
  if (size <= 0x10000) return Uint16Array;
  return Uint32Array;
}

/** A zeroed {@link IdArray} of `length` elements sized for a vocab of `vocabSize` tokens. */
export function idArrayFor(vocabSize: number, length: number): IdArray {
  return new (smallestIdArray(vocabSize))(length);
}
