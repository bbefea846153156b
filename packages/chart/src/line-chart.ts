import { escapeXml } from "./svg";

/** One line of a chart: points as [x, y], drawn in order. */
export interface ChartSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  /** CSS colour of the line and its legend swatch. */
  colour: string;
  /** Draw dots at the points (for sparse series such as validation losses). */
  dots?: boolean;
}

/** What {@link renderLineChart} draws. */
export interface ChartSpec {
  /** Read by screen readers as the image's name, and shown above the plot. */
  title: string;
  /** A sentence summarising the data for screen readers (`<desc>`). */
  description: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** viewBox size; the SVG itself scales to its container's width. */
  width?: number;
  height?: number;
  /**
   * A file of its own (`charrnn plot`): fixed width and height, a white background and the styles
   * the demo's stylesheet gives the chart's classes embedded, so it looks the same in any viewer.
   * Inline in a page (the default) the page's CSS styles it.
   */
  standalone?: boolean;
  /** Start the x axis at 0 (time or steps from a run's start) rather than at the first point. */
  xFromZero?: boolean;
}

/** Line colours for series in order (distinct in colour-blind palettes; Okabe–Ito). */
export const SERIES_COLOURS: readonly string[] = [
  "#0072b2",
  "#d55e00",
  "#009e73",
  "#cc79a7",
  "#e69f00",
  "#56b4e9",
  "#000000",
  "#f0e442",
];

/** The demo's chart styles (apps/demo/src/style.css), for standalone files. */
const STANDALONE_STYLE =
  "text{font:12px sans-serif;fill:#1f1f1f}.chart-grid line{stroke:#e4dfd4}.chart-frame{stroke:#8c8c8c}.chart-axis-label{font-weight:600}";

/**
 * Round tick values covering [min, max], about `count` of them, spaced 1, 2 or 5 × 10ⁿ (the
 * `d3.ticks` rule). A zero-width range gets one tick.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [];
  if (min === max) return [min];
  const step = tickStep(min, max, count);
  const ticks: number[] = [];
  const first = Math.ceil(min / step);
  const last = Math.floor(max / step);
  // Multiply integers by the step (rather than accumulating) so ticks stay round.
  for (let i = first; i <= last; i++) ticks.push(roundTo(i * step, step));
  return ticks;
}

/** The spacing {@link niceTicks} uses. */
export function tickStep(min: number, max: number, count = 5): number {
  const raw = Math.abs(max - min) / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const error = raw / power;
  const factor = error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1;
  return factor * power;
}

/** [min, max] widened outwards to multiples of the tick step, so the plot starts and ends on ticks. */
export function niceDomain(min: number, max: number, count = 5): [number, number] {
  if (min === max) return min === 0 ? [0, 1] : [min - Math.abs(min) / 2, max + Math.abs(max) / 2];
  const step = tickStep(min, max, count);
  return [roundTo(Math.floor(min / step) * step, step), roundTo(Math.ceil(max / step) * step, step)];
}

/** Tick label with as many decimals as the tick spacing needs; thousands as "12k". */
export function formatTick(value: number, step: number): string {
  if (Math.abs(value) >= 10_000 && step >= 1000) return `${roundTo(value / 1000, step / 1000)}k`;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return value.toFixed(decimals);
}

/** An SVG line chart as markup: axes with ticks and grid lines, one polyline per series, a legend. */
export function renderLineChart(spec: ChartSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 280;
  const margin = { top: 28, right: 16, bottom: 44, left: 60 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) {
    for (const [x, y] of s.points) {
      xs.push(x);
      ys.push(y);
    }
  }
  const id = `chart-${slug(spec.title)}`;
  const size = spec.standalone === true ? ` width="${width}" height="${height}"` : "";
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg"${size} viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" class="chart">`,
    `<title id="${id}-title">${escapeXml(spec.title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(spec.description)}</desc>`,
  ];
  if (spec.standalone === true) {
    parts.push(
      `<style>${STANDALONE_STYLE}</style>`,
      `<rect width="${width}" height="${height}" fill="white"/>`,
    );
  }
  if (xs.length === 0) {
    parts.push(
      `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="chart-empty">no data</text>`,
    );
    return `${parts.join("")}</svg>`;
  }
  const xMin = spec.xFromZero === true ? Math.min(0, ...xs) : Math.min(...xs);
  const [x0, x1] = niceDomain(xMin, Math.max(...xs), 6);
  const [y0, y1] = niceDomain(Math.min(...ys), Math.max(...ys), 5);
  const sx = (x: number) => margin.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => margin.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const xStep = tickStep(x0, x1, 6);
  const yStep = tickStep(y0, y1, 5);

  parts.push(`<g class="chart-grid">`);
  for (const t of niceTicks(y0, y1, 5)) {
    const y = fmt(sy(t));
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y}" y2="${y}"/>`);
    parts.push(
      `<text x="${margin.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(t, yStep)}</text>`,
    );
  }
  for (const t of niceTicks(x0, x1, 6)) {
    const x = fmt(sx(t));
    parts.push(`<line x1="${x}" x2="${x}" y1="${margin.top}" y2="${margin.top + plotH}"/>`);
    parts.push(
      `<text x="${x}" y="${margin.top + plotH + 16}" text-anchor="middle">${formatTick(t, xStep)}</text>`,
    );
  }
  parts.push("</g>");
  parts.push(
    `<rect class="chart-frame" x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none"/>`,
    `<text class="chart-axis-label" x="${margin.left + plotW / 2}" y="${height - 6}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text class="chart-axis-label" transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  let legendX = margin.left;
  for (const s of spec.series) {
    if (s.points.length === 0) continue;
    const d = s.points.map(([x, y]) => `${fmt(sx(x))},${fmt(sy(y))}`).join(" ");
    parts.push(
      `<polyline class="chart-line" data-series="${escapeXml(s.name)}" points="${d}" fill="none" stroke="${s.colour}" stroke-width="2"/>`,
    );
    if (s.dots === true) {
      for (const [x, y] of s.points) {
        parts.push(`<circle cx="${fmt(sx(x))}" cy="${fmt(sy(y))}" r="3" fill="${s.colour}"/>`);
      }
    }
    parts.push(
      `<rect x="${legendX}" y="${margin.top - 16}" width="14" height="4" fill="${s.colour}"/>`,
      `<text class="chart-legend" x="${legendX + 18}" y="${margin.top - 14}" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
    );
    legendX += 26 + s.name.length * 7;
  }
  return `${parts.join("")}</svg>`;
}

function roundTo(value: number, step: number): number {
  // Strip float noise such as 0.30000000000000004 using the step's decimal places.
  const decimals = Math.max(0, -Math.floor(Math.log10(step))) + 2;
  return Number(value.toFixed(Math.min(decimals, 20)));
}

function fmt(n: number): string {
  return n.toFixed(1);
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
