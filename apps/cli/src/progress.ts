import type { TrainEvent } from "@charrnn/trainer";
import type { CliIo } from "./io";

/**
 * Renders training events: a single redrawn status line on a TTY (steps, loss, chars/s, ETA) and
 * plain lines otherwise, so logs stay readable when piped.
 */
export function createProgressRenderer(io: CliIo, options: { tty?: boolean } = {}) {
  const tty = options.tty ?? io.stderr.isTTY === true;
  let statusShown = false;
  let budget = 0;
  let maxSteps = 0;
  let totalSteps = 0;
  let unit = "char";

  const clearStatus = () => {
    if (tty && statusShown) io.stderr.write("\r\x1b[2K");
    statusShown = false;
  };
  const line = (text: string) => {
    clearStatus();
    io.stderr.write(`${text}\n`);
  };

  return (event: TrainEvent): void => {
    switch (event.type) {
      case "start": {
        const s = event.settings;
        budget = s.timeBudget;
        maxSteps = s.maxSteps;
        totalSteps = event.windowsPerEpoch * s.epochs;
        unit = s.level === "word" ? "word" : s.level === "bpe" ? "token" : "char";
        line(
          `${event.resumedFrom ? `resuming from ${event.resumedFrom} at step ${event.step}; ` : ""}` +
            `${event.initFrom ? `fine-tuning ${event.initFrom.path} (vocabulary ${event.initFrom.addedTokens > 0 ? `extended by ${event.initFrom.addedTokens} tokens` : "unchanged"}); ` : ""}` +
            `engine ${event.engine} (${event.backend}); ${s.layers}×${s.hidden} ${s.cell}, ` +
            `${event.paramCount.toLocaleString("en-US")} parameters, vocab ${event.vocabSize}; ` +
            `${event.trainTokens.toLocaleString("en-US")} train / ${event.valTokens.toLocaleString("en-US")} val ` +
            `${event.testTokens > 0 ? `/ ${event.testTokens.toLocaleString("en-US")} test ` : ""}tokens, ` +
            `${event.windowsPerEpoch} steps per epoch (batch ${s.batch} × seq ${s.seq})` +
            (event.valScored === undefined
              ? ""
              : `; each validation scores ${event.valScored.toLocaleString("en-US")} of the val tokens (--val-max-tokens)`),
        );
        return;
      }
      case "progress": {
        const eta = etaSeconds(event, budget, maxSteps, totalSteps);
        const text =
          `step ${event.step} epoch ${event.epoch + 1} loss ${event.loss.toFixed(4)} ` +
          `lr ${event.lr.toPrecision(3)} ${Math.round(event.charsPerSec).toLocaleString("en-US")} ${unit}s/s` +
          (eta === undefined ? "" : ` ETA ${formatDuration(eta)}`);
        if (tty) {
          clearStatus();
          io.stderr.write(text);
          statusShown = true;
        } else {
          io.stderr.write(`${text}\n`);
        }
        return;
      }
      case "validation":
        line(
          `step ${event.step} val loss ${event.valLoss.toFixed(4)} nats/${unit}, ${event.valBpc.toFixed(4)} bits/${unit}, ` +
            `perplexity ${event.valPpl.toFixed(3)}${event.best ? " (best)" : ""}`,
        );
        return;
      case "epoch": {
        // The PTB script's per-epoch report; char models add bits/char.
        const bits = (nats: number) =>
          unit === "char" ? ` (${(nats / Math.LN2).toFixed(3)} bits/char)` : "";
        const valid =
          event.valLoss === undefined
            ? ""
            : ` Valid Perplexity: ${event.valPpl!.toFixed(3)}${bits(event.valLoss)}`;
        line(
          `Epoch: ${event.epoch + 1} Learning rate: ${event.lr.toPrecision(3)} ` +
            `Train Perplexity: ${event.trainPpl.toFixed(3)}${bits(event.trainLoss)}${valid} ` +
            `(${Math.round(event.tokensPerSec).toLocaleString("en-US")} ${unit}s/s)`,
        );
        return;
      }
      case "test":
        line(
          `Test Perplexity: ${event.testPpl.toFixed(3)}${unit === "char" ? ` (${event.testBpc.toFixed(3)} bits/char)` : ""}`,
        );
        return;
      case "lr":
        line(
          `step ${event.step} learning rate ${event.previous.toPrecision(3)} → ${event.lr.toPrecision(3)}`,
        );
        return;
      case "sample":
        line(`--- sample at step ${event.step} ---\n${event.text}\n---`);
        return;
      case "checkpoint":
        line(`step ${event.step} checkpoint ${event.path}${event.best ? " (best)" : ""}`);
        return;
      case "warning":
        line(`warning: ${event.message}`);
        return;
      case "end":
        line(`stopped at step ${event.step} (${event.stopReason}) after ${formatDuration(event.elapsed)}`);
        return;
    }
  };
}

function etaSeconds(
  event: Extract<TrainEvent, { type: "progress" }>,
  budget: number,
  maxSteps: number,
  totalSteps: number,
): number | undefined {
  if (event.step <= 0 || event.elapsed <= 0) return undefined;
  const perStep = event.elapsed / event.step;
  const target = maxSteps > 0 ? Math.min(maxSteps, totalSteps) : totalSteps;
  const bySteps = (target - event.step) * perStep;
  const byBudget = budget > 0 ? budget - event.elapsed : Number.POSITIVE_INFINITY;
  const eta = Math.min(bySteps, byBudget);
  return Number.isFinite(eta) ? Math.max(0, eta) : undefined;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
