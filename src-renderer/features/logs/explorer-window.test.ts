import type { EventRow } from '../../../src-shared/contract';
import { appendPage, EMPTY_WINDOW, firstPage, prependPage } from './explorer-window';

const row = (id: number): EventRow => ({ id, ts: 1000 + id, node: 'n', severity: 'I', component: 'C', mid: null, ctx: '', msg: `m${id}`, attr: null, attrTruncated: false });
const rows = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => row(a + i));

describe('the explorer window over a keyset-paged result', () => {
  it('appends pages, and past the cap drops rows from the top (which can be fetched again)', () => {
    let w = firstPage({ rows: rows(1, 100), more: true }, false);
    expect([w.moreBefore, w.moreAfter]).toEqual([false, true]);
    const r = appendPage(w, { rows: rows(101, 200), more: true }, 150);
    expect(r.dropped).toBe(50);
    w = r.w;
    expect([w.rows[0]!.id, w.rows[w.rows.length - 1]!.id, w.rows.length, w.moreBefore, w.moreAfter]).toEqual([51, 200, 150, true, true]);
    const end = appendPage(w, { rows: rows(201, 210), more: false }, 1000);
    expect(end.w.moreAfter).toBe(false);
  });

  it('prepends pages (scrolling back up), trims the bottom past the cap, and never repeats a row', () => {
    const w = firstPage({ rows: rows(501, 600), more: true }, true);
    expect(w.moreBefore).toBe(true);
    const r = prependPage(w, { rows: rows(450, 505), more: true }, 120);
    expect(r.added).toBe(51);
    expect(r.w.rows.map((x) => x.id)).toEqual([...rows(450, 500), ...rows(501, 569)].map((x) => x.id));
    expect([r.w.moreBefore, r.w.moreAfter]).toEqual([true, true]);
    expect(prependPage(EMPTY_WINDOW, { rows: [], more: false }, 10).w).toEqual(EMPTY_WINDOW);
  });
});
