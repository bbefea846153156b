import { escapeXml } from "@charrnn/chart";
import type { ClassificationReport } from "@charrnn/trainer";

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * The validation report as text: accuracy against the majority baseline, a per-label table of
 * precision, recall and support, then the confusion matrix (rows = true label, columns = predicted,
 * headed by the labels' first three characters).
 */
export function formatClassificationReport(report: ClassificationReport): string {
  const { labels } = report;
  const width = Math.max(5, ...labels.map((l) => [...l].length));
  const pad = (s: string, n: number): string => s + " ".repeat(Math.max(0, n - [...s].length));
  const lines = [
    `validation: ${report.count} examples, accuracy ${pct(report.accuracy)} (majority baseline ${pct(report.majorityAccuracy)}: always "${report.majorityLabel}"), loss ${report.loss.toFixed(4)} nats`,
    "",
    `${pad("label", width)}  precision  recall  support`,
  ];
  labels.forEach((label, i) => {
    lines.push(
      `${pad(label, width)}  ${pct(report.precision[i]!).padStart(9)}  ${pct(report.recall[i]!).padStart(6)}  ${String(report.support[i]).padStart(7)}`,
    );
  });
  const cell = Math.max(4, ...report.confusion.flat().map((n) => String(n).length + 1));
  const short = labels.map((l) => [...l].slice(0, 3).join(""));
  lines.push("", `confusion (rows: true, columns: predicted)`);
  lines.push(pad("", width) + short.map((s) => s.padStart(cell)).join(""));
  report.confusion.forEach((row, i) => {
    lines.push(pad(labels[i]!, width) + row.map((n) => String(n).padStart(cell)).join(""));
  });
  return `${lines.join("\n")}\n`;
}

/** White → dark blue on a 0..1 scale (the row-normalised share). */
function colour(share: number): string {
  const t = Math.min(1, Math.max(0, share));
  const mix = (a: number, b: number): number => Math.round(a + (b - a) * t);
  return `rgb(${mix(247, 8)},${mix(251, 48)},${mix(255, 107)})`;
}

/**
 * The confusion matrix as a standalone SVG: one square per (true, predicted) pair holding its count,
 * coloured by the share of the true label's examples (so rare labels read as clearly as common
 * ones), labelled axes, a title with the accuracy, and a colour scale from 0% to 100%.
 */
export function confusionSvg(report: ClassificationReport): string {
  const { labels, confusion } = report;
  const n = labels.length;
  const size = 34;
  const left = 20 + 7.5 * Math.max(...labels.map((l) => [...l].length));
  const top = 70;
  const gridW = n * size;
  const legendX = left + gridW + 30;
  const width = legendX + 70;
  const height = top + gridW + 20 + 7.5 * Math.max(...labels.map((l) => [...l].length)) + 30;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14" font-weight="bold">Confusion matrix (validation, ${report.count} examples)</text>`,
    `<text x="${left}" y="40">accuracy ${pct(report.accuracy)}, majority baseline ${pct(report.majorityAccuracy)}</text>`,
    `<text x="${left + gridW / 2}" y="${top - 10}" text-anchor="middle" font-weight="bold">predicted label →</text>`,
    `<text transform="translate(12 ${top + gridW / 2}) rotate(-90)" text-anchor="middle" font-weight="bold">true label →</text>`,
  ];
  for (let i = 0; i < n; i++) {
    const rowTotal = confusion[i]!.reduce((a, v) => a + v, 0);
    const y = top + i * size;
    out.push(
      `<text x="${left - 6}" y="${y + size / 2 + 4}" text-anchor="end">${escapeXml(labels[i]!)}</text>`,
    );
    for (let j = 0; j < n; j++) {
      const count = confusion[i]![j]!;
      const share = rowTotal === 0 ? 0 : count / rowTotal;
      const x = left + j * size;
      out.push(
        `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="${colour(share)}" stroke="#ccc"><title>${escapeXml(labels[i]!)} → ${escapeXml(labels[j]!)}: ${count}</title></rect>`,
      );
      if (count > 0) {
        out.push(
          `<text x="${x + size / 2}" y="${y + size / 2 + 4}" text-anchor="middle" fill="${share > 0.5 ? "white" : "black"}">${count}</text>`,
        );
      }
    }
  }
  const labelY = top + gridW + 8;
  labels.forEach((label, j) => {
    const x = left + j * size + size / 2 + 4;
    out.push(
      `<text transform="translate(${x} ${labelY}) rotate(-90)" text-anchor="end">${escapeXml(label)}</text>`,
    );
  });
  // Colour scale: 100% at the top.
  out.push(
    `<defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0"><stop offset="0" stop-color="${colour(0)}"/><stop offset="1" stop-color="${colour(1)}"/></linearGradient></defs>`,
    `<rect x="${legendX}" y="${top}" width="14" height="${gridW}" fill="url(#scale)" stroke="#999"/>`,
    `<text x="${legendX + 18}" y="${top + 8}">100%</text>`,
    `<text x="${legendX + 18}" y="${top + gridW}">0%</text>`,
    `<text transform="translate(${legendX + 52} ${top + gridW / 2}) rotate(-90)" text-anchor="middle">share of true label</text>`,
    "</svg>",
  );
  return `${out.join("\n")}\n`;
}
