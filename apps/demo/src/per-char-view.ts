import type { DetailedScoreResult, PositionScore } from "@charrnn/sampler";
import { probabilityColour, surpriseBits } from "./colour-scale";
import { byId } from "./dom";

/** What the per-character view needs of a vocabulary. */
interface PieceVocab {
  readonly level: "char" | "word" | "bpe";
  readonly tokens: readonly string[];
}

/**
 * The output's characters once scored: each a span carrying the colour of the model's probability
 * of it (shown while "Colour by probability" is on). Pointing at, tapping, or moving to a character
 * with the arrow keys (the output is one tab stop) shows its alternatives as small bars below.
 */
export function createPerCharView(): {
  show(result: DetailedScoreResult, vocab: PieceVocab): void;
  clear(): void;
} {
  const output = byId("output");
  const generated = byId("output-generated");
  const detail = byId("char-detail");
  const toggle = byId<HTMLInputElement>("colour-toggle");
  let positions: PositionScore[] = [];
  let tokens: readonly string[] = [];
  let active = -1;

  const applyToggle = () => output.classList.toggle("coloured", toggle.checked);
  toggle.addEventListener("change", applyToggle);
  applyToggle();

  const select = (index: number) => {
    if (positions.length === 0) return;
    const next = Math.max(0, Math.min(positions.length - 1, index));
    generated.querySelector(".active")?.classList.remove("active");
    const span = generated.querySelector<HTMLElement>(`[data-index="${next}"]`);
    if (span === null) return;
    span.classList.add("active");
    span.scrollIntoView({ block: "nearest", inline: "nearest" });
    active = next;
    renderDetail(detail, positions[next]!, tokens);
  };

  output.addEventListener("keydown", (event) => {
    const moves: Record<string, number> = {
      ArrowRight: active + 1,
      ArrowDown: active + 1,
      ArrowLeft: active - 1,
      ArrowUp: active - 1,
      Home: 0,
      End: positions.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined || positions.length === 0) return;
    event.preventDefault();
    select(target);
  });
  const pick = (event: Event) => {
    const index = (event.target as HTMLElement).closest("[data-index]")?.getAttribute("data-index");
    if (index != null) select(Number(index));
  };
  generated.addEventListener("mouseover", pick);
  generated.addEventListener("click", pick);

  return {
    show(result, vocab) {
      // A bpe token's text is its bytes (a character can be split between tokens): no spans.
      if (vocab.level === "bpe") return;
      const fragment = document.createDocumentFragment();
      let text = "";
      for (let i = 0; i < result.positions.length; i++) {
        const p = result.positions[i]!;
        const span = document.createElement("span");
        const prob = Math.exp(p.logProb);
        span.dataset.index = String(i);
        span.style.setProperty("--p-colour", probabilityColour(Math.min(prob, 1)));
        const token = vocab.tokens[p.id] ?? "";
        span.textContent = vocab.level === "word" && i > 0 ? ` ${token}` : token;
        text += span.textContent;
        fragment.append(span);
      }
      // The spans replace the streamed text only when they spell it exactly.
      if (text !== generated.textContent) return;
      positions = result.positions;
      tokens = vocab.tokens;
      active = -1;
      generated.replaceChildren(fragment);
      detail.textContent = `${positions.length.toLocaleString("en-US")} characters scored: ${result.bitsPerChar.toFixed(2)} bits per character (perplexity ${result.perplexity.toFixed(2)}).`;
    },
    clear() {
      positions = [];
      active = -1;
      detail.textContent = "";
    },
  };
}

/** The detail of one position: a sentence, then the alternatives as labelled bars. */
function renderDetail(detail: HTMLElement, p: PositionScore, tokens: readonly string[]): void {
  const line = document.createElement("p");
  line.className = "char-line";
  line.textContent = describePosition(p, tokens);
  const list = document.createElement("ul");
  list.className = "alternatives";
  list.setAttribute("aria-hidden", "true");
  for (const t of p.top) {
    const item = document.createElement("li");
    if (t.id === p.id) item.className = "chosen";
    const name = document.createElement("span");
    name.className = "alt-token";
    name.textContent = visible(t.token);
    const bar = document.createElement("span");
    bar.className = "alt-bar";
    bar.style.width = `${Math.max(1, Math.round(t.prob * 100))}%`;
    const value = document.createElement("span");
    value.className = "alt-prob";
    value.textContent = formatPercent(t.prob);
    const track = document.createElement("span");
    track.className = "alt-track";
    track.append(bar);
    item.append(name, track, value);
    list.append(item);
  }
  detail.replaceChildren(line, list);
}

/** "'e': 43.1% (rank 1, 1.21 bits) — alternatives: 'e' 43.1%, 'a' 12.0%, …" */
export function describePosition(p: PositionScore, tokens: readonly string[]): string {
  const prob = Math.exp(p.logProb);
  const token = tokens[p.id];
  const name = token === undefined ? `token ${p.id}` : visible(token);
  const alternatives = p.top.map((t) => `${visible(t.token)} ${formatPercent(t.prob)}`).join(", ");
  return `${name}: ${formatPercent(prob)} (rank ${p.rank}, ${surpriseBits(Math.min(prob, 1)).toFixed(2)} bits) — top: ${alternatives}`;
}

function visible(token: string): string {
  if (token === "\n") return "newline";
  if (token === " ") return "space";
  return `"${token}"`;
}

function formatPercent(p: number): string {
  return `${(p * 100).toFixed(p < 0.001 ? 3 : 1)}%`;
}
