import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { beamSearch } from "./beam-search";
import { generate, stream } from "./generate";
import { fakeModel } from "./test-helpers";

const vocab = Vocab.fromText("a b", { level: "bpe", maxSize: 256 }); // the 256 byte tokens only
const EMOJI = [0xf0, 0x9f, 0x98, 0x80]; // UTF-8 of 😀, one byte token each
/** Greedy emits the emoji's bytes over and over, whatever the prime. */
const bytesModel = fakeModel(256, (step) => {
  const logits = new Array<number>(256).fill(0);
  logits[EMOJI[step % 4]!] = 5;
  return logits;
});

describe("sampling a bpe vocab", () => {
  it("holds the bytes of a character until it completes, and replaces an unfinished one only at the end", async () => {
    const run = stream(bytesModel, vocab, { prime: "a", length: 6, greedy: true });
    const pieces: string[] = [];
    for (;;) {
      const r = await run.next();
      if (r.done === true) {
        expect(r.value.samples[0]!.text).toBe("😀\uFFFD");
        break;
      }
      pieces.push(r.value.text);
    }
    expect(pieces).toEqual(["", "", "", "😀", "", "\uFFFD"]);
    const whole = await generate(bytesModel, vocab, { prime: "a", length: 8, greedy: true });
    expect(whole.samples[0]!.text).toBe("😀😀");
  });

  it("beam search decodes a beam's bytes whole", async () => {
    const { beams } = await beamSearch(bytesModel, vocab, { prime: "a", length: 4, beamWidth: 2 });
    expect(beams[0]!.text).toBe("😀");
  });
});
