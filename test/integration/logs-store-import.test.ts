// The event store over every real log in ../shared/corpus: each file imported into its own store
// holds exactly what `logs analyze` reports for it (lines, parsed, unparsed, slow operations,
// connections, severities, components, state changes, shapes), and full-text search answers what an
// independent scan of the stored text answers, page after page, in both directions.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeLogs, expandInputs, type LogInput } from '../../src-main/core/logs';
import { connectionAnalysis, countEvents, eventBuckets, EventStore, listOperations, importInputs, searchEvents, shapeStats, type SourceRecord } from '../../src-main/core/events/index';
import { systemClock } from '../../src-main/core/ports/clock';
import { betterSqliteDriver } from '../../src-main/core/store/better-sqlite3.driver';
import type { EventRow } from '../../src-shared/contract/logs.contract';

const CORPUS = resolve(process.cwd(), '../shared/corpus');
const HAVE_CORPUS = existsSync(CORPUS);
if (!HAVE_CORPUS) console.warn(`logs-store-import: ${CORPUS} not found; the corpus suites are skipped`);

const FOLDERS = ['mtools/mtools/test/logfiles', 'beats/filebeat/module/mongodb/log/test', 'ce-mongo-x-ray/misc', 'mongo-loginfo', 'hatchet/logs'];
const dir = mkdtempSync(join(tmpdir(), 'baleen-logs-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function openStore(): EventStore {
  return new EventStore(betterSqliteDriver(), join(dir, `events-${n++}.db`), { clock: systemClock });
}

async function importOne(store: EventStore, input: LogInput): Promise<SourceRecord> {
  const id = store.createSource('file', input.path);
  await importInputs(store, id, [input]);
  store.setSourceState(id, 'done');
  return store.requireSource(id);
}

describe.skipIf(!HAVE_CORPUS)('import into the event store: counts equal logs analyze for the same files', () => {
  let inputs: LogInput[] = [];
  beforeAll(async () => {
    const found = await expandInputs(
      FOLDERS.map((f) => join(CORPUS, f)).filter((f) => existsSync(f)),
      '/',
    );
    inputs = found.inputs;
  });

  it('every corpus log: events, unparsed, operations, connections, severities, components, state changes, lines', async () => {
    expect(inputs.length).toBeGreaterThan(40);
    let totalEvents = 0;
    for (const input of inputs) {
      const store = openStore();
      try {
        const analysis = await analyzeLogs([input.file], { cwd: '/' });
        const r = analysis.report({ top: 20 });
        const src = await importOne(store, input);
        const what = input.path;
        expect(src.info.events, `${what}: parsed lines`).toBe(r.parsed);
        expect(src.info.unparsed, `${what}: unparsed lines`).toBe(r.unparsed);
        expect(src.info.operations, `${what}: slow operations`).toBe(r.slowOps.count);
        expect(src.info.files.reduce((a, f) => a + f.bytes, 0), `${what}: bytes`).toBe(r.files.reduce((a, f) => a + f.bytes, 0));
        // Stored line counts include blank lines (as an editor numbers them); the report counts the others.
        expect(src.info.files.reduce((a, f) => a + f.lines, 0), `${what}: lines`).toBeGreaterThanOrEqual(r.lines);
        const accepted = store.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sessions WHERE accepted IS NOT NULL').get()!.n;
        const ended = store.db.prepare<[], { n: number }>('SELECT sum(ended) AS n FROM conn_buckets').get()!.n ?? 0;
        expect(accepted, `${what}: connections accepted`).toBe(r.connections.opened);
        expect(ended, `${what}: connections ended`).toBe(r.connections.closed);
        const states = store.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM signals WHERE kind IN ('state', 'rollback') AND detail LIKE '%→%'").get()!.n;
        expect(states, `${what}: state changes`).toBe(r.stateChanges.length + (r.stateChangesDropped ?? 0));
        const range = { from: -8.64e15, to: 8.64e15 };
        const bySev = Object.fromEntries(eventBuckets(store, { ...range, by: 'severity', stepMs: 31 * 86_400_000 }).series.map((s) => [s.key, s.total]));
        const byComp = Object.fromEntries(eventBuckets(store, { ...range, by: 'component', stepMs: 31 * 86_400_000 }).series.map((s) => [s.key, s.total]));
        expect(bySev, `${what}: by severity`).toEqual(r.bySeverity);
        expect(byComp, `${what}: by component`).toEqual(r.byComponent);
        expect(countEvents(store, {}).count).toBe(r.parsed);
        if (r.slowOps.count > 0) {
          const shapes = shapeStats(store, { sortBy: 'totalMs', limit: 20 });
          expect(shapes.operations).toBe(r.slowOps.count);
          const mine = shapes.shapes.map((s) => [s.ns, s.op, s.count, s.totalMs, s.p95Ms, s.maxMs]);
          const theirs = r.slowOps.shapes.map((s) => [s.ns, s.op, s.count, s.totalMs, s.p95Ms, s.maxMs]);
          expect(mine, `${what}: shapes`).toEqual(theirs);
        }
        totalEvents += src.info.events;
      } finally {
        store.close();
      }
    }
    console.log(`logs-store-import: ${inputs.length} corpus files, ${totalEvents} events, each equal to logs analyze`);
  }, 300_000);
});

/** Whole tokens for plain words, substrings for phrases and words with punctuation: the search's own rules, scanned without the index. */
function naiveMatch(text: string, query: string): boolean {
  const hay = text.toLowerCase();
  const tokens = new Set(hay.split(/[^\p{L}\p{N}_]+/u));
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(query); m !== null; m = re.exec(query)) {
    const v = (m[1] ?? m[2]!).toLowerCase();
    const words = v.split(/[^\p{L}\p{N}_]+/u).filter((w) => w !== '');
    if (!words.every((w) => tokens.has(w))) return false;
    if ((m[1] !== undefined || words.length !== 1 || words[0] !== v) && !hay.includes(v)) return false;
  }
  return true;
}

function allPages(store: EventStore, text: string, direction: 'after' | 'before', limit: number): EventRow[] {
  const out: EventRow[] = [];
  let cursor: { ts: number; id: number } | null = null;
  for (;;) {
    const page = searchEvents(store, { filter: { text }, cursor, direction, limit });
    if (direction === 'after') out.push(...page.rows);
    else out.unshift(...page.rows);
    if (!page.more || page.rows.length === 0) break;
    const edge = direction === 'after' ? page.rows[page.rows.length - 1]! : page.rows[0]!;
    cursor = { ts: edge.ts, id: edge.id };
  }
  return out;
}

describe.skipIf(!HAVE_CORPUS)('full-text search (FTS5) over message and attributes', () => {
  let store: EventStore;
  let all: { id: number; ts: number; text: string }[] = [];
  beforeAll(async () => {
    store = openStore();
    const { inputs } = await expandInputs([join(CORPUS, 'hatchet/logs/replica.tar.gz')], '/');
    const id = store.createSource('file', 'replica.tar.gz');
    await importInputs(store, id, inputs);
    all = store.db
      .prepare<[], { id: number; ts: number; msg: string; attr: string | null }>('SELECT id, ts, msg, attr FROM events ORDER BY ts, id')
      .all()
      .map((r) => ({ id: r.id, ts: r.ts, text: `${r.msg}\n${r.attr ?? ''}` }));
  });
  afterAll(() => store?.close());

  it('the "Election succeeded" lines are exactly the two elections of the set', () => {
    const rows = allPages(store, '"Election succeeded"', 'after', 50);
    expect(rows.map((r) => [r.node, r.msg])).toEqual([
      ['log:demo.example.com:27017', 'Election succeeded, assuming primary role'],
      ['log:demo.example.com:27018', 'Election succeeded, assuming primary role'],
    ]);
  });

  const QUERIES = ['Slow query', 'testdb.lookups', '"Replica set state transition"', 'COLLSCAN', 'keyhole', 'conn34 insert', 'ed42d841-27e3-4432-9f25-aba208e1c36a', 'NotWritablePrimary', 'zzzz-not-there', 'stepdown*'];
  for (const q of QUERIES) {
    it(`"${q}": the same rows as a scan of the stored text, forward and backward, in (ts, id) order`, () => {
      const expected = all.filter((e) => (q.endsWith('*') ? new RegExp(`(^|[^\\p{L}\\p{N}_])${q.slice(0, -1)}`, 'iu').test(e.text) : naiveMatch(e.text, q))).map((e) => e.id);
      const fwd = allPages(store, q, 'after', 97);
      const back = allPages(store, q, 'before', 113);
      expect(fwd.map((r) => r.id)).toEqual(expected);
      expect(back.map((r) => r.id)).toEqual(expected);
      if (q === 'Slow query') expect(expected.length).toBeGreaterThan(8000);
      if (q === 'zzzz-not-there') expect(expected).toEqual([]);
    });
  }

  it('a search combines with node, severity and time filters; counts agree with the rows', () => {
    const nodes = ['log:demo.example.com:27018'];
    // Both words anywhere: the five transitions and the two "State transition ops metrics" lines.
    expect(searchEvents(store, { filter: { text: 'state transition', nodes }, cursor: null, direction: 'after', limit: 100 }).rows.length).toBe(7);
    const rows = searchEvents(store, { filter: { text: '"replica set state transition"', nodes, severities: ['I'] }, cursor: null, direction: 'after', limit: 100 }).rows;
    expect(rows.length).toBe(5);
    expect(rows.every((r) => r.node === nodes[0])).toBe(true);
    const mid = rows[2]!.ts;
    const later = searchEvents(store, { filter: { text: '"replica set state transition"', nodes, from: mid }, cursor: null, direction: 'after', limit: 100 }).rows;
    expect(later.map((r) => r.id)).toEqual(rows.slice(2).map((r) => r.id));
    expect(countEvents(store, { text: '"replica set state transition"', nodes })).toEqual({ count: 5, exact: true });
    // Exact counts from the per-minute buckets with partial edge minutes.
    const from = all[1000]!.ts + 17;
    const to = all[9000]!.ts - 5;
    const inRange = all.filter((e) => e.ts >= from && e.ts <= to).length;
    expect(countEvents(store, { from, to })).toEqual({ count: inRange, exact: true });
  });

  it('per-bucket counts at a coarser step: buckets start on the step, and sum to the lines; connection churn likewise', () => {
    const from = all[0]!.ts;
    const to = all[all.length - 1]!.ts;
    const b = eventBuckets(store, { from, to, by: 'component', stepMs: 5 * 60_000 });
    expect(b.stepMs).toBe(300_000);
    const pts = b.series.flatMap((s) => s.points);
    expect(pts.every(([t]) => Number.isInteger(t) && t % 300_000 === 0)).toBe(true);
    expect(pts.reduce((a, [, n]) => a + n, 0)).toBe(all.length);
    // A zoomed-in window (under 2 h) is counted from the lines at a step under a minute.
    const mid = all[5000]!.ts;
    const fine = eventBuckets(store, { from: mid, to: mid + 60_000, by: 'severity' });
    expect(fine.stepMs).toBe(1000);
    const finePts = fine.series.flatMap((s) => s.points);
    expect(finePts.every(([t]) => t % 1000 === 0 && t >= mid - 1000 && t <= mid + 60_000)).toBe(true);
    expect(finePts.reduce((a, [, n]) => a + n, 0)).toBe(all.filter((e) => e.ts >= mid && e.ts <= mid + 60_000).length);
    const c = connectionAnalysis(store, { by: 'app', limit: 10 });
    expect(c.churn.points.every(([t]) => Number.isInteger(t) && t % c.churn.stepMs === 0)).toBe(true);
    expect(c.churn.points.reduce((a, [, n]) => a + n, 0)).toBe(store.db.prepare<[], { n: number }>('SELECT sum(accepted) AS n FROM conn_buckets').get()!.n);
  });

  it('operations sharing a logical session (lsid) come back linked, in time order, with their transaction numbers', () => {
    const top = store.db
      .prepare<[], { lsid: string; n: number }>('SELECT lsid, count(*) AS n FROM ops WHERE lsid IN (SELECT lsid FROM ops WHERE txn IS NOT NULL) GROUP BY lsid ORDER BY n DESC LIMIT 1')
      .get()!;
    expect(top.n).toBeGreaterThan(1);
    const chain = listOperations(store, { lsid: top.lsid, failedOnly: false, sort: 'ts', limit: 1000 });
    expect(chain).toHaveLength(top.n);
    expect(chain.every((o) => o.lsid === top.lsid)).toBe(true);
    expect(chain.map((o) => o.ts)).toEqual([...chain.map((o) => o.ts)].sort((a, b) => a - b));
    expect(chain.some((o) => o.txnNumber !== null)).toBe(true);
    // Each line of the chain says the same session in its own text.
    for (const o of chain.slice(0, 20)) expect(all.find((e) => e.id === o.id)!.text).toContain(top.lsid);
  });

  it('search text that FTS5 cannot parse as tokens still answers (substring only) and never throws', () => {
    expect(() => searchEvents(store, { filter: { text: '"" ** ( ) : ^' }, cursor: null, direction: 'after', limit: 10 })).not.toThrow();
    const rows = allPages(store, '{"$uuid":', 'after', 500);
    expect(rows.length).toBe(all.filter((e) => e.text.toLowerCase().includes('{"$uuid":')).length);
  });
});
