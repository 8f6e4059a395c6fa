// Incidents from real logs: hatchet's three-member replica set (MongoDB 6.0) holds a first election
// at start-up, a replSetStepDown that hands the primary to the second member, and a shutdown of the
// set. Each becomes one incident across nodes, with its evidence lines and the operations that
// failed around it. Connection storms and assertion bursts come from crafted logs with a known rate.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventStore, importInputs, incidentDetail, listIncidents, rebuildIncidents } from '../../src-main/core/events/index';
import { expandInputs } from '../../src-main/core/logs';
import { systemClock } from '../../src-main/core/ports/clock';
import { betterSqliteDriver } from '../../src-main/core/store/better-sqlite3.driver';

const CORPUS = resolve(process.cwd(), '../shared/corpus');
const REPLICA = join(CORPUS, 'hatchet/logs/replica.tar.gz');
const HAVE = existsSync(REPLICA);
if (!HAVE) console.warn(`events-incidents: ${REPLICA} not found; the replica-set suite is skipped`);

const dir = mkdtempSync(join(tmpdir(), 'baleen-incidents-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const open = () => new EventStore(betterSqliteDriver(), join(dir, `e${n++}.db`), { clock: systemClock });

async function importPath(store: EventStore, path: string): Promise<number> {
  const id = store.createSource('file', path);
  await importInputs(store, id, (await expandInputs([path], '/')).inputs);
  store.setSourceState(id, 'done');
  rebuildIncidents(store);
  return id;
}

const A = 'log:demo.example.com:27017';
const B = 'log:demo.example.com:27018';
const C = 'log:demo.example.com:27019';

describe.skipIf(!HAVE)("incidents on hatchet's replica set logs", () => {
  it('three incidents: the first election, the stepdown that elected the second member, the shutdown', async () => {
    const store = open();
    try {
      const source = await importPath(store, REPLICA);
      const list = listIncidents(store, { limit: 100 });
      expect(list.map((i) => [i.kind, new Date(i.start).toISOString(), new Date(i.end).toISOString(), i.nodes])).toEqual([
        ['election', '2024-03-18T14:49:06.984Z', '2024-03-18T14:49:24.716Z', [A, B, C]],
        ['election', '2024-03-18T14:52:44.658Z', '2024-03-18T14:52:44.726Z', [A, B]],
        ['restart', '2024-03-18T14:55:27.662Z', '2024-03-18T14:55:44.463Z', [A, B, C]],
      ]);
      const [first, second, third] = list;
      expect(first!.title).toBe('Election: demo.example.com:27017 became PRIMARY (term 1), after demo.example.com:27017, demo.example.com:27018, demo.example.com:27019 started');
      expect(second!.title).toBe('Election: demo.example.com:27018 became PRIMARY (term 2); demo.example.com:27017 stepped down');
      expect(second!.kinds).toEqual(['election', 'stepdown']);
      expect(third!.title).toBe('Shutdown of demo.example.com:27017, demo.example.com:27018, demo.example.com:27019; demo.example.com:27018 stepped down');

      // The election's evidence: the old primary's stepdown lines and the new primary's election.
      const d = incidentDetail(store, second!.id);
      const lines = d.signals.map((s) => `${s.node} ${s.msg}`);
      expect(lines).toContain(`${A} Attempting to step down in response to replSetStepDown command`);
      expect(lines).toContain(`${B} Starting an election due to step up request`);
      expect(lines).toContain(`${B} Election succeeded, assuming primary role`);
      expect(d.signals.filter((s) => s.msg === 'Replica set state transition').map((s) => [s.node, JSON.parse(s.attr!)])).toEqual([
        [A, { newState: 'SECONDARY', oldState: 'PRIMARY' }],
        [B, { newState: 'PRIMARY', oldState: 'SECONDARY' }],
      ]);
      // The operations around it: failed ones first (the old primary refusing reads after stepping down).
      expect(second!.operations).toBeGreaterThan(100);
      expect(second!.failedOperations).toBe(d.operations.filter((o) => o.failed).length);
      expect(d.operations[0]!.failed).toBe(true);
      expect(d.operations.some((o) => o.errorName === 'NotPrimaryNoSecondaryOk' && o.node === A)).toBe(true);
      expect(second!.topErrors[0]).toEqual({ code: 13435, name: 'NotPrimaryNoSecondaryOk', count: 4 });
      const window = [second!.start - second!.marginMs, second!.end + second!.marginMs];
      expect(d.operations.every((o) => o.ts >= window[0]! && o.ts <= window[1]!)).toBe(true);
      // Shutdown: the operations interrupted by it.
      expect(third!.topErrors[0]).toMatchObject({ name: 'ShutdownInProgress' });

      // Filtering by node: the third member took no part in the second election.
      expect(listIncidents(store, { nodes: [C], limit: 10 }).map((i) => i.id)).toEqual([first!.id, third!.id]);
      expect(listIncidents(store, { from: second!.start - 1000, to: second!.end + 1000, limit: 10 }).map((i) => i.id)).toEqual([second!.id]);

      // Incidents are derived: the import deleted, they are gone too.
      await store.deleteSource(source);
      rebuildIncidents(store);
      expect(listIncidents(store, { limit: 10 })).toEqual([]);
      expect(store.db.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 0 });
    } finally {
      store.close();
    }
  }, 120_000);
});

const line = (ts: number, s: string, c: string, id: number, ctx: string, msg: string, attr?: unknown) =>
  JSON.stringify({ t: { $date: new Date(ts).toISOString() }, s, c, id, ctx, msg, ...(attr !== undefined ? { attr } : {}) });

describe('connection storms and assertion bursts (crafted rates)', () => {
  it('a minute with far more connections than usual is a storm; errors far above usual a burst; usual rates are not', async () => {
    const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);
    const lines = [line(T0, 'I', 'CONTROL', 4615611, 'initandlisten', 'MongoDB starting', { pid: 1, port: 27017, host: 'db9' })];
    let conn = 0;
    // 40 minutes at 6 connections and 2 errors a minute...
    for (let m = 0; m < 60; m++) {
      const storm = m === 40;
      const burst = m === 50;
      const accepted = storm ? 400 : 6;
      for (let i = 0; i < accepted; i++) lines.push(line(T0 + m * 60_000 + 1000 + i * 100, 'I', 'NETWORK', 22943, 'listener', 'Connection accepted', { remote: `10.1.1.1:${1000 + conn}`, connectionId: ++conn }));
      const errors = burst ? 80 : 2;
      for (let i = 0; i < errors; i++) lines.push(line(T0 + m * 60_000 + 30_000 + i * 100, 'E', 'ASSERT', 23077, 'conn5', 'Assertion', { error: 'boom' }));
    }
    lines.sort((a, b) => (a.slice(0, 40) < b.slice(0, 40) ? -1 : 1));
    const path = join(dir, 'storm.log');
    writeFileSync(path, lines.join('\n') + '\n');
    const store = open();
    try {
      await importPath(store, path);
      const list = listIncidents(store, { limit: 10 });
      expect(list.map((i) => [i.kind, i.title, (i.start - T0) / 60_000])).toEqual([
        ['restart', 'Restart of db9:27017', 0],
        ['connection-storm', 'Connection storm on db9:27017: 400 connections accepted in a minute (usually 6)', 40],
        ['assertion-burst', 'Assertion burst on db9:27017: 80 error lines in a minute (usually 2)', 50],
      ]);
      const burst = incidentDetail(store, list[2]!.id);
      expect(burst.signals.length).toBeGreaterThan(0);
      expect(burst.signals.every((s) => s.severity === 'E')).toBe(true);
    } finally {
      store.close();
    }
  });
});
