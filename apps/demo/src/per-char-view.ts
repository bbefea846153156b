import type { DetailedScoreResult, PositionScore } from "@charrnn/sampler";
import { probabilityColour, surpriseBits } from "./colour-scale";
import { byId } from "./dom";

/** What the per-character view needs of a vocabulary. */
interface PieceVocab {
  readonly level: "char" | "word";
  readonly tokens: readonly string[];
}

/**
 * Renders each token of a scored text as a coloured span (colour = the model's probability of it)
 * with a tooltip of the top alternatives; the list is one tab stop, arrow keys move between
 * characters and the detail line below (aria-live) reads the active one.
 */
export function createPerCharView(): {
  show(result: DetailedScoreResult, vocab: PieceVocab): void;
  clear(): void;
} {
  const list = byId("chars");
  const detail = byId("char-detail");
  let positions: PositionScore[] = [];
  let tokens: readonly string[] = [];
  let active = -1;

  const select = (index: number) => {
    if (positions.length === 0) return;
    const next = Math.max(0, Math.min(positions.length - 1, index));
    list.querySelector(`[aria-selected="true"]`)?.setAttribute("aria-selected", "false");
    const span = byId(`char-${next}`);
    span.setAttribute("aria-selected", "true");
    list.setAttribute("aria-activedescendant", span.id);
    span.scrollIntoView({ block: "nearest", inline: "nearest" });
    active = next;
    detail.textContent = describePosition(positions[next]!, tokens);
  };

  list.addEventListener("keydown", (event) => {
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
  list.addEventListener("focus", () => {
    if (active < 0) select(0);
  });
  const pick = (event: Event) => {
    const id = (event.target as HTMLElement).closest("[data-index]")?.getAttribute("data-index");
    if (id != null) select(Number(id));
  };
  list.addEventListener("mouseover", pick);
  list.addEventListener("click", pick);

  return {
    show(result, vocab) {
      positions = result.positions;
      tokens = vocab.tokens;
      active = -1;
      const fragment = document.createDocumentFragment();
      for (let i = 0; i < positions.length; i++) {
        const p = positions[i]!;
        const span = document.createElement("span");
        const prob = Math.exp(p.logProb);
        span.id = `char-${i}`;
        span.dataset.index = String(i);
        span.setAttribute("role", "option");
        span.setAttribute("aria-selected", "false");
        span.style.backgroundColor = probabilityColour(Math.min(prob, 1));
        span.title = describePosition(p, tokens);
        const token = vocab.tokens[p.id] ?? "";
        span.textContent = vocab.level === "word" && i > 0 ? ` ${token}` : token;
        if (token === "\n") span.className = "newline";
        span.setAttribute("aria-label", `${visible(token)} ${formatPercent(prob)}`);
        fragment.append(span);
      }
      list.replaceChildren(fragment);
      list.removeAttribute("aria-activedescendant");
      detail.textContent = `${positions.length} characters scored: ${result.bitsPerChar.toFixed(2)} bits per character (perplexity ${result.perplexity.toFixed(2)}).`;
    },
    clear() {
      positions = [];
      active = -1;
      list.replaceChildren();
      list.removeAttribute("aria-activedescendant");
      detail.textContent = "";
    },
  };
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
