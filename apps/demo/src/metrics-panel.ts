import { renderLineChart } from "@charrnn/chart";
import { countOf } from "./describe";
import { byId } from "./dom";
import type { MetricsPoint, MetricsSeries } from "./metrics";

const TRAIN_COLOUR = "#1f5fbf";
const VAL_COLOUR = "#b3401f";
const SPEED_COLOUR = "#2e7d32";

/** Plots a parsed metrics log: loss and validation loss per step, and training speed per step. */
export function showMetrics(series: MetricsSeries, source: string): void {
  const { train, val, skippedLines } = series;
  const trainLoss = pointsOf(train, "trainLoss");
  const valLoss = pointsOf(val, "valLoss");
  const speed = pointsOf(train, "charsPerSec");
  const best = valLoss.reduce<readonly [number, number] | undefined>(
    (b, p) => (b && b[1] <= p[1] ? b : p),
    undefined,
  );
  const lastTrain = trainLoss.at(-1);
  const meanSpeed = speed.length > 0 ? speed.reduce((s, p) => s + p[1], 0) / speed.length : undefined;

  const facts: string[] = [];
  const lastStep = Math.max(train.at(-1)?.step ?? 0, val.at(-1)?.step ?? 0);
  facts.push(countOf(lastStep, "step"));
  if (lastTrain) facts.push(`last training loss ${lastTrain[1].toFixed(3)}`);
  if (best) facts.push(`best validation loss ${best[1].toFixed(3)} at step ${best[0]}`);
  if (meanSpeed !== undefined)
    facts.push(`${Math.round(meanSpeed).toLocaleString("en-US")} chars/s on average`);
  if (skippedLines.length > 0) facts.push(`${countOf(skippedLines.length, "unreadable line")} skipped`);

  byId("metrics-source").textContent = `Showing ${source}.`;
  byId("metrics-summary").textContent = `${facts.join("; ")}.`;
  const charts = byId("metrics-charts");
  // Draw at about the size shown, so labels keep their font size on a phone.
  const shown = charts.clientWidth >= 848 ? (charts.clientWidth - 16) / 2 : charts.clientWidth;
  const width = Math.round(Math.max(320, Math.min(640, shown || 640)));
  charts.innerHTML =
    renderLineChart({
      width,
      title: "Loss per step",
      description: `Training and validation loss (nats per character) over ${countOf(lastStep, "step")}; ${facts.join("; ")}.`,
      xLabel: "step",
      yLabel: "loss (nats/char)",
      series: [
        { name: "training loss", colour: TRAIN_COLOUR, points: trainLoss },
        { name: "validation loss", colour: VAL_COLOUR, points: valLoss, dots: true },
      ],
    }) +
    renderLineChart({
      width,
      title: "Training speed",
      description:
        meanSpeed === undefined
          ? "No speed was logged."
          : `Characters per second during training, ${Math.round(meanSpeed)} on average.`,
      xLabel: "step",
      yLabel: "chars/s",
      series: [{ name: "chars/s", colour: SPEED_COLOUR, points: speed }],
    });
}

function pointsOf(points: readonly MetricsPoint[], field: keyof MetricsPoint): [number, number][] {
  const out: [number, number][] = [];
  for (const p of points) {
    const v = p[field];
    if (v !== undefined) out.push([p.step, v]);
  }
  return out;
}
