import { createRng } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
import { describe, expect, it } from "vitest";
import { generate } from "./generate";
import { createSession } from "./session";
import { makeConfig, randomParams } from "./test-helpers";
import { createTsStepModel } from "./ts-engine";

const vocab = Vocab.fromText("abcdefgh ");
const config = makeConfig({ cell: "gru", layers: 1, hidden: 8, vocabSize: vocab.size, embed: 4 });
const model = createTsStepModel({ config, params: randomParams(config, createRng(6), 1.5) });

async function nextTokens(session: ReturnType<typeof createSession>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await session.next({ temperature: 1.2 })).token);
  return out;
}

describe("createSession", () => {
  it("feed + next draws the same tokens as generate with the same RNG stream", async () => {
    const session = createSession(model, vocab, { seed: 7 });
    await session.feed("abc");
    await session.feed("de");
    const tokens = await nextTokens(session, 12);
    const whole = await generate(model, vocab, {
      prime: "abcde",
      length: 12,
      temperature: 1.2,
      rng: createRng(7),
    });
    expect(tokens).toEqual(Array.from(whole.tokens));
  });

  it("restores a saved state exactly, copying it both ways", async () => {
    const session = createSession(model, vocab, { seed: 3 });
    await session.feed("hag");
    const snapshot = session.state;
    const first = await nextTokens(session, 8);
    session.state = snapshot;
    snapshot.rnn.h.fill(9); // the session holds its own copy
    snapshot.logits?.fill(0);
    expect(await nextTokens(session, 8)).toEqual(first);
    expect(await nextTokens(session, 8)).not.toEqual(first);
  });

  it("reset returns to the empty state; next needs context", async () => {
    const session = createSession(model, vocab);
    await expect(session.next()).rejects.toMatchObject({ code: "SESSION_EMPTY" });
    await session.feed("fe");
    const greedyAfterFe = (await session.next({ greedy: true })).token;
    await session.feed("dcba");
    session.reset();
    expect(session.state.logits).toBeNull();
    expect(Array.from(session.state.rnn.h).every((x) => x === 0)).toBe(true);
    await session.feed("fe");
    expect((await session.next({ greedy: true })).token).toBe(greedyAfterFe);
  });

  it("generate continues the session, and next continues after it", async () => {
    const session = createSession(model, vocab);
    await session.feed("bad");
    const part = await session.generate({ length: 5, greedy: true });
    const following = await session.next({ greedy: true });
    const whole = await generate(model, vocab, { prime: "bad", length: 6, greedy: true });
    expect(part.text + following.text).toBe(whole.text);
    expect(following.token).toBe(whole.tokens[5]);
  });
});
