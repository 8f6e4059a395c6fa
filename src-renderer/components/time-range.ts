/**
 * The time range every dashboard shares: live (the last 15 minutes, following new samples), a
 * rolling "last …" window refreshed as time passes, or a fixed custom range (typed in, or brushed on
 * a chart). Pure: resolved against a clock the caller passes.
 */
export type TimeRange = { kind: 'live' } | { kind: 'last'; ms: number } | { kind: 'custom'; from: number; to: number };

export const LIVE_WINDOW_MS = 15 * 60_000;

export const PRESETS: readonly { id: string; label: string; range: TimeRange }[] = [
  { id: 'live', label: 'Live', range: { kind: 'live' } },
  { id: '15m', label: '15 m', range: { kind: 'last', ms: 15 * 60_000 } },
  { id: '1h', label: '1 h', range: { kind: 'last', ms: 3_600_000 } },
  { id: '6h', label: '6 h', range: { kind: 'last', ms: 6 * 3_600_000 } },
  { id: '24h', label: '24 h', range: { kind: 'last', ms: 24 * 3_600_000 } },
  { id: '7d', label: '7 d', range: { kind: 'last', ms: 7 * 24 * 3_600_000 } },
];

export function resolveRange(range: TimeRange, now: number): { from: number; to: number } {
  switch (range.kind) {
    case 'live':
      return { from: now - LIVE_WINDOW_MS, to: now };
    case 'last':
      return { from: now - range.ms, to: now };
    case 'custom':
      return { from: range.from, to: range.to };
  }
}

/** Which preset a range is, or 'custom'. */
export function presetId(range: TimeRange): string {
  if (range.kind === 'live') return 'live';
  if (range.kind === 'last') return PRESETS.find((p) => p.range.kind === 'last' && p.range.ms === range.ms)?.id ?? 'custom';
  return 'custom';
}

/** How often a rolling window is asked again: often enough to move, rarely enough to cost nothing. */
export function refreshEveryMs(range: TimeRange): number | null {
  if (range.kind !== 'last') return null;
  return Math.max(5000, Math.round(range.ms / 240));
}

/** Points per series to ask for: about one per pixel of a chart. */
export const CHART_POINTS = 600;

/** `YYYY-MM-DDTHH:MM` in local time, for <input type="datetime-local">. */
export function toLocalInput(ts: number): string {
  const d = new Date(ts);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fromLocalInput(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(s)) return null;
  const t = new Date(s).getTime();
  return Number.isFinite(t) ? t : null;
}
