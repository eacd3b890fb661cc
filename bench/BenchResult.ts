/** What every `bench/*.bench.ts` default export resolves to; `run.ts` renders it as a markdown table. */
export interface BenchResult {
  title: string;
  /** One table row each; the columns are the union of the keys, in first-seen order. */
  rows: Array<Record<string, string | number>>;
  /** Methodology a reader needs to interpret the figures. */
  notes?: string[];
}
