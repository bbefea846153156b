import { describe, expect, it } from "vitest";
import { CharrnnError, CharrnnRangeError } from "./errors";

describe("CharrnnError", () => {
  it("keeps the message on one line when it quotes input holding line breaks or control characters", () => {
    const error = new CharrnnError("CORPUS_INVALID", 'header is not valid JSON ("a\nb\r\tc\u0000d\u2028e")');
    expect(error.message).toBe('header is not valid JSON ("a\\nb\\r\\tc\\u0000d\\u2028e")');
    expect(error.message).not.toMatch(/[\n\r\u2028]/);
    expect(error.code).toBe("CORPUS_INVALID");
  });

  it("leaves ordinary text, including non-ASCII, untouched", () => {
    const message = "vocab file naïve-😀.json: token 3 is empty; remove it";
    expect(new CharrnnError("CORPUS_INVALID", message).message).toBe(message);
    expect(new CharrnnRangeError("topP", "in (0, 1]", "1\n5").message).toBe(
      'topP must be in (0, 1], got "1\\n5"',
    );
  });
});
