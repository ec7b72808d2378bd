// What a bench scenario reports: rows for the Markdown table, and raw figures for JSON.
export interface Row {
  figure: string;
  measured: string;
  /** measured ÷ baseline of the same run, when the figure has one. */
  ratio?: string;
  target?: string;
  holds?: boolean;
}

export interface ScenarioResult {
  name: string;
  rows: Row[];
  raw: Record<string, unknown>;
}

export type Progress = (line: string) => void;

export const fmtUs = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(us < 10 ? 2 : 1)} µs`);
export const fmtRate = (perSec: number) => `${Math.round(perSec).toLocaleString("en")}/s`;
export const fmtRatio = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(0)}×`;
