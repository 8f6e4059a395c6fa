// "What happened here?" on crafted data: a real metrics store (ChunkStore) holding a node's series
// and a real event store holding that node's log, imported from a logv2 file. The window's metric
// that really moved ranks first, a small drift ranks below it, noise does not rank; the log side
// (counts, messages, the election, the slow shape) is exactly what was written; a ranking source
// plugs in through the interface, and one that fails is reported without hiding the others.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore, importInputs, LogRateRanking, MetricStoreRanking, rebuildIncidents, summarizeWindow, type RankingSource } from '../../src-main/core/events/index';

import { expandInputs } from '../../src-main/core/logs';
import { systemClock } from '../../src-main/core/ports/clock';
import { betterSqliteDriver } from '../../src-main/core/store/better-sqlite3.driver';
import { ChunkStore } from '../../src-main/core/store/chunk.store';
import { makeNodeId, nodeEntityKey } from '../../src-shared/domain/identity';

const dir = mkdtempSync(join(tmpdir(), 'baleen-what-happened-'));
const NODE = makeNodeId('prod', 'db1.example.net:27017');
const ENTITY = nodeEntityKey(NODE);
const T0 = Date.UTC(2025, 4, 12, 9, 0, 0);
const MIN = 60_000;
/** The window brushed: minutes 20–25; the baseline is minutes 15–20. */
const FROM = T0 + 20 * MIN;
const TO = T0 + 25 * MIN - 1;

let metrics: ChunkStore;
let events: EventStore;
let expectedInWindow = 0;

/** A deterministic noise source, so the test never depends on luck. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
}

const line = (ts: number, s: string, c: string, id: number, ctx: string, msg: string, attr?: unknown) =>
  JSON.stringify({ t: { $date: new Date(ts).toISOString() }, s, c, id, ctx, msg, ...(attr !== undefined ? { attr } : {}) });

beforeAll(async () => {
  metrics = new ChunkStore(betterSqliteDriver(), join(dir, 'metrics.db'), { clock: systemClock, maintenanceIntervalMs: 0 });
  const batch = metrics.openBatch('live', 'crafted');
  const noise = lcg(7);
  let queries = 0;
  for (let t = T0; t < T0 + 30 * MIN; t += 1000) {
    const inWindow = t >= FROM && t <= TO;
    queries += inWindow ? 115 : 100; // +15 % query rate: a drift
    metrics.append(batch, ENTITY, t, {
      'serverStatus.connections.current': (inWindow ? 400 : 50) + noise() * 6, // the storm: ×8
      'serverStatus.opcounters.query': queries,
      'serverStatus.mem.resident': 2048 + noise() * 4, // noise only
      'serverStatus.uptimeMillis': t - T0 + 1000,
    });
  }
  metrics.flush();

  const lines: string[] = [line(T0, 'I', 'CONTROL', 4615611, 'initandlisten', 'MongoDB starting', { pid: 4242, port: 27017, host: 'db1.example.net' })];
  let conn = 1;
  for (let t = T0 + 1000; t < T0 + 30 * MIN; t += 1000) {
    const inWindow = t >= FROM && t <= TO;
    // NETWORK: a connection every 12 s, every second inside the window.
    if (inWindow || (t - T0) % 12_000 === 0) {
      lines.push(line(t, 'I', 'NETWORK', 22943, 'listener', 'Connection accepted', { remote: `10.0.0.9:${40000 + conn}`, connectionId: conn, connectionCount: 10 }));
      conn++;
      if (inWindow) expectedInWindow++;
    }
  }
  const el = FROM + 90_000;
  lines.push(line(el, 'I', 'ELECTION', 21450, 'ReplCoord-3', 'Election succeeded, assuming primary role', { term: 7 }));
  lines.push(line(el, 'I', 'REPL', 21358, 'ReplCoord-3', 'Replica set state transition', { newState: 'PRIMARY', oldState: 'SECONDARY' }));
  for (let i = 0; i < 12; i++) {
    lines.push(
      line(FROM + 100_000 + i * 1000, 'I', 'COMMAND', 51803, 'conn3', 'Slow query', {
        type: 'command',
        ns: 'shop.orders',
        command: { find: 'orders', filter: { status: `s${i}` }, $db: 'shop' },
        planSummary: 'COLLSCAN',
        docsExamined: 100000,
        nreturned: 1,
        durationMillis: 300 + i,
      }),
    );
  }
  expectedInWindow += 14;
  lines.sort((a, b) => (a.slice(0, 40) < b.slice(0, 40) ? -1 : 1));
  writeFileSync(join(dir, 'mongod.log'), lines.join('\n') + '\n');
  events = new EventStore(betterSqliteDriver(), join(dir, 'events.db'), { clock: systemClock, resolveNode: (hp) => (hp === 'db1.example.net:27017' ? NODE : null) });
  const src = events.createSource('file', 'mongod.log');
  await importInputs(events, src, (await expandInputs([join(dir, 'mongod.log')], '/')).inputs);
  rebuildIncidents(events);
});

afterAll(() => {
  metrics?.close();
  events?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('what happened here? (window summary and metric movers)', () => {
  it('ranks what moved first (the storm, seen by metrics and log alike), the drift below, noise and sporadic lines last', async () => {
    const sources = [new MetricStoreRanking(metrics, () => systemClock.now()), new LogRateRanking(events)];
    const s = await summarizeWindow(events, sources, { from: FROM, to: TO, nodeIds: [NODE], movers: 10 });
    const names = s.movers.map((m) => `${m.source}:${m.metric}`);
    expect(new Set(names.slice(0, 2))).toEqual(new Set(['metrics:serverStatus.connections.current', 'log-rates:log.NETWORK']));
    expect(names[2]).toBe('metrics:serverStatus.opcounters.query');
    const top = s.movers.find((m) => m.metric === 'serverStatus.connections.current')!;
    expect(top.before).toBeGreaterThan(45);
    expect(top.before).toBeLessThan(55);
    expect(top.after).toBeGreaterThan(395);
    expect(top.after).toBeLessThan(405);
    expect(top.relative!).toBeGreaterThan(6);
    // The query rate moved 15 %: ranked, below the storm.
    const q = s.movers.find((m) => m.metric === 'serverStatus.opcounters.query');
    expect(q).toBeDefined();
    expect(q!.unit).toBe('ops/s');
    expect(q!.before).toBeCloseTo(100, 0);
    expect(q!.after).toBeCloseTo(115, 0);
    expect(q!.score).toBeLessThan(top.score / 5);
    // A dozen slow queries in one minute, an election line: sporadic, below the steady drift.
    for (const m of ['log.COMMAND', 'log.ELECTION', 'log.REPL']) expect(s.movers.find((x) => x.metric === m)?.score ?? 0).toBeLessThan(q!.score);
    // Memory only wobbled: scored far below anything real, if at all.
    const mem = s.movers.find((m) => m.metric === 'serverStatus.mem.resident');
    expect(mem === undefined || mem.score < 1).toBe(true);
    expect(names).not.toContain('metrics:serverStatus.uptimeMillis');
    // The log saw the same storm: NETWORK lines per minute went from 5 to 60.
    const net = s.movers.find((m) => m.metric === 'log.NETWORK');
    expect(net).toMatchObject({ source: 'log-rates', before: 5, after: 60 });
    expect(s.moverErrors).toEqual([]);
  });

  it('the log side of the window: counts, messages, the election as an incident, the slow shape', async () => {
    const s = await summarizeWindow(events, [], { from: FROM, to: TO, nodeIds: [NODE], movers: 0 });
    expect(s.events.total).toBe(expectedInWindow);
    expect(s.events.byComponent).toEqual({ NETWORK: expectedInWindow - 14, ELECTION: 1, REPL: 1, COMMAND: 12 });
    expect(s.topMessages[0]).toEqual({ mid: 22943, msg: 'Connection accepted', component: 'NETWORK', count: expectedInWindow - 14 });
    expect(s.incidents.map((i) => [i.kind, i.title])).toEqual([['election', 'Election: db1.example.net:27017 became PRIMARY (term 7)']]);
    expect(s.incidents[0]!.operations).toBe(12);
    expect(s.notable.map((e) => e.msg)).toEqual(['Replica set state transition']);
    expect(s.shapes).toHaveLength(1);
    expect(s.shapes[0]).toMatchObject({ ns: 'shop.orders', op: 'find', count: 12, maxMs: 311, planSummaries: [{ plan: 'COLLSCAN', count: 12 }] });
    // A window on another node holds none of it.
    const other = await summarizeWindow(events, [], { from: FROM, to: TO, nodeIds: [makeNodeId('prod', 'db2.example.net:27017')], movers: 0 });
    expect([other.events.total, other.incidents.length, other.shapes.length]).toEqual([0, 0, 0]);
  });

  it('a ranking source plugs in through the interface; one that fails is named and the others still answer', async () => {
    const host: RankingSource = {
      id: 'host',
      rank: (w) => [{ source: 'host', entity: 'host:db1', metric: 'cpu.iowait', label: 'CPU iowait', unit: '%', before: 1, after: 60, change: 59, relative: 59, score: 1e5 + w.entities.length }],
    };
    const broken: RankingSource = {
      id: 'profiler',
      rank: () => {
        throw new Error('profiler not reachable');
      },
    };
    const s = await summarizeWindow(events, [broken, new MetricStoreRanking(metrics, () => systemClock.now()), host], { from: FROM, to: TO, nodeIds: [NODE], movers: 3 });
    expect(s.movers.map((m) => m.metric)).toEqual(['cpu.iowait', 'serverStatus.connections.current', 'serverStatus.opcounters.query']);
    expect(s.movers[0]!.score).toBe(1e5 + 1);
    expect(s.moverErrors).toEqual([{ source: 'profiler', message: 'profiler not reachable' }]);
  });
});
