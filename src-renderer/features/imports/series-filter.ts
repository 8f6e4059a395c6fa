/** What the series browser lists and how its filter matches (pure, for tests). */
export interface SeriesInfo {
  entity: string;
  metric: string;
  first: number | null;
  last: number | null;
  count: number;
}

/** Every word of the query must appear in the metric name (case-insensitive). */
export function filterSeries(items: readonly SeriesInfo[], query: string): SeriesInfo[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...items];
  return items.filter((s) => {
    const m = s.metric.toLowerCase();
    return words.every((w) => m.includes(w));
  });
}
