import type { EventRow, SearchResult } from '../../../src-shared/contract';

/**
 * The log explorer's sliding window over a result set of any size: pages are fetched by keyset
 * (ts, id) as the user scrolls towards either end, and the window keeps at most `max` rows, so
 * memory and DOM stay flat over millions of lines. Pure, unit-tested.
 */
export interface ExplorerWindow {
  rows: EventRow[];
  /** More rows exist before the first / after the last row held. */
  moreBefore: boolean;
  moreAfter: boolean;
}

export const EMPTY_WINDOW: ExplorerWindow = { rows: [], moreBefore: false, moreAfter: false };

export function firstPage(page: SearchResult, startedMidway: boolean): ExplorerWindow {
  return { rows: page.rows, moreBefore: startedMidway, moreAfter: page.more };
}

/** Adds a page after the last row; drops rows from the top past `max`. `dropped` rows left the top. */
export function appendPage(w: ExplorerWindow, page: SearchResult, max: number): { w: ExplorerWindow; dropped: number } {
  const seen = new Set(w.rows.map((r) => r.id));
  const rows = [...w.rows, ...page.rows.filter((r) => !seen.has(r.id))];
  const dropped = Math.max(0, rows.length - max);
  return { w: { rows: dropped > 0 ? rows.slice(dropped) : rows, moreBefore: w.moreBefore || dropped > 0, moreAfter: page.more }, dropped };
}

/** Adds a page before the first row; drops rows from the bottom past `max`. `added` rows came in at the top. */
export function prependPage(w: ExplorerWindow, page: SearchResult, max: number): { w: ExplorerWindow; added: number } {
  const seen = new Set(w.rows.map((r) => r.id));
  const fresh = page.rows.filter((r) => !seen.has(r.id));
  const rows = [...fresh, ...w.rows];
  const over = Math.max(0, rows.length - max);
  return { w: { rows: over > 0 ? rows.slice(0, rows.length - over) : rows, moreBefore: page.more, moreAfter: w.moreAfter || over > 0 }, added: fresh.length };
}
