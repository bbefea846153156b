export type { ChartSeries, ChartSpec } from "./line-chart";
export {
  formatTick,
  niceDomain,
  niceTicks,
  renderLineChart,
  SERIES_COLOURS,
  tickStep,
} from "./line-chart";
export { escapeXml } from "./svg";
