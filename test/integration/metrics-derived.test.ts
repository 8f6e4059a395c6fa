// Derived series end to end: the simulator's serverStatus documents as served (recorded on the way
// out), the real driver, the store, metrics.query. Each derived point is checked against the value
// computed by hand from two consecutive served documents: query targeting (Δscanned / Δreturned),
// cache dirty % (dirty / configured × 100) and latency per op (Δlatency / Δops).
import type { Document } from '../../src-main/core/bson/bson';
import { generateServerStatus, startSimulator, type CommandTable, type Simulator } from '../../src-main/core/sim';
import { nodeEntityKey, type NodeId } from '../../src-shared/domain/identity';
import { eventually, startTestCore, type TestCore } from '../helpers/core';

const n = (v: unknown) => Number(v);

describe('derived series against served serverStatus documents', () => {
  let sim: Simulator;
  let t: TestCore;
  let nodeId: NodeId;
  const served: Document[] = [];

  beforeAll(async () => {
    const record = (table: CommandTable) =>
      table.replace({
        name: 'serverStatus',
        requiresAuth: true,
        run: (ctx) => {
          const doc = generateServerStatus(ctx.node, ctx.body);
          served.push(doc);
          return doc;
        },
      });
    sim = await startSimulator({ me: 'derived-a.example.net:27017', rates: { query: 300, getmore: 10, insert: 40, update: 20, delete: 4, command: 30 }, extendCommands: record });
    t = startTestCore({ monitoring: { intervalMs: 200, deadlineMs: 800, connectTimeoutMs: 3000 } });
    nodeId = (await t.client.invoke('connections.add', { uri: sim.uri, name: 'derived' })).nodes[0]!.id;
  });
  afterAll(async () => {
    await t?.close();
    await sim?.stop();
  });

  it('query targeting, cache dirty % and read latency per op equal the hand-computed values', async () => {
    const entity = nodeEntityKey(nodeId);
    const ids = ['derived.queryTargeting.keysPerReturned', 'derived.cache.dirtyPercent', 'derived.latency.reads', 'derived.latency.writes'];
    const r = await eventually(async () => {
      const q = await t.client.invoke('metrics.query', { entity, metrics: ids, from: 0, to: Date.now() + 1000 });
      return q.series[0]!.points.filter(([, v]) => v !== null).length >= 10 ? q : undefined;
    }, 15_000, 'ten derived points');
    t.core.store.flush();
    // Stored raw values are the served documents' values: find the document behind each stored sample.
    const stored = t.core.store.query(entity, 'serverStatus.metrics.queryExecutor.scanned', 0, Date.now() + 1000);
    const docAt = new Map<number, Document>();
    for (const s of stored) {
      const doc = served.find((d) => n(d.metrics.queryExecutor.scanned) === s.value);
      expect(doc, `a served document for the sample at ${s.ts}`).toBeDefined();
      docAt.set(s.ts, doc!);
    }
    const [targeting, dirty, reads, writes] = r.series;
    let checked = 0;
    for (const [ts, v] of targeting!.points) {
      if (v === null) continue;
      const i = stored.findIndex((s) => s.ts === ts);
      const [a, b] = [docAt.get(stored[i - 1]!.ts)!, docAt.get(ts)!];
      const expected = (n(b.metrics.queryExecutor.scanned) - n(a.metrics.queryExecutor.scanned)) / (n(b.metrics.document.returned) - n(a.metrics.document.returned));
      expect(v).toBeCloseTo(expected, 9);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(9);
    for (const [ts, v] of dirty!.points) {
      const d = docAt.get(ts)!.wiredTiger.cache;
      expect(v).toBeCloseTo((n(d['tracked dirty bytes in the cache']) / n(d['maximum bytes configured'])) * 100, 9);
    }
    for (const [series, k] of [
      [reads!, 'reads'],
      [writes!, 'writes'],
    ] as const) {
      for (const [ts, v] of series.points) {
        const i = stored.findIndex((s) => s.ts === ts);
        const [a, b] = [docAt.get(stored[i - 1]!.ts)!.opLatencies[k], docAt.get(ts)!.opLatencies[k]];
        const dOps = n(b.ops) - n(a.ops);
        if (dOps === 0) expect(v, 'no operation, no latency').toBeNull();
        else expect(v).toBeCloseTo((n(b.latency) - n(a.latency)) / dOps, 9);
      }
    }
    // The simulator's model: ~230 µs per read, ~410 µs per write, 9 keys and 6 documents per query.
    const mean = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null).reduce((s, x, _i, all) => s + x / all.length, 0);
    expect(mean(reads!.points.map(([, v]) => v))).toBeGreaterThan(150);
    expect(mean(reads!.points.map(([, v]) => v))).toBeLessThan(320);
    expect(reads!.unit).toBe('usPerOp');
    expect(dirty!.unit).toBe('percent');
  });

  it('a derived series over a long range comes back within maxPoints, from the same function', async () => {
    const entity = nodeEntityKey(nodeId);
    const r = await t.client.invoke('metrics.query', { entity, metrics: ['derived.queryTargeting.keysPerReturned', 'serverStatus.opcounters.query'], from: Date.now() - 7 * 86_400_000, to: Date.now(), maxPoints: 50 });
    expect(r.series.map((s) => s.metric)).toEqual(['derived.queryTargeting.keysPerReturned', 'serverStatus.opcounters.query']);
    expect(r.series[0]!.points.length).toBeLessThanOrEqual(50);
    expect(r.series[0]!.points.some(([, v]) => v !== null)).toBe(true);
  });
});
