import fc from 'fast-check';
import type { Operation } from './operation';
import { baleenShapeHash } from './query-shape';
import { ShapeStatsTable } from './shape-stats';

const T0 = Date.UTC(2024, 2, 18, 10, 0, 0);

function op(over: Partial<Operation> & { text?: string; hash?: string }): Operation {
  const text = over.text ?? '{"filter":{"a":"?number"}}';
  const o: Operation = {
    source: 'log',
    ns: 'db.c',
    op: 'find',
    ts: T0,
    durationMs: 10,
    shape: over.hash ? { text, hash: over.hash, hashSource: 'queryHash' } : { text, hash: baleenShapeHash('find', text), hashSource: 'baleen' },
    ...over,
  };
  delete (o as { text?: string }).text;
  delete (o as { hash?: string }).hash;
  return o;
}

describe('ShapeStatsTable', () => {
  it('groups by the server hash when given, by the shape text otherwise, and sorts by total time', () => {
    const t = new ShapeStatsTable();
    t.add(op({ hash: 'AAAA0001', durationMs: 5 }));
    t.add(op({ hash: 'AAAA0001', durationMs: 7, text: '{"filter":{"a":"?number"},"x":1}' }));
    t.add(op({ durationMs: 100, text: '{"filter":{"b":"?string"}}' }));
    t.add(op({ durationMs: 1, ns: 'db.other' }));
    const rows = t.summaries();
    expect(rows.map((r) => [r.ns, r.hashSource, r.count, r.totalMs])).toEqual([
      ['db.c', 'baleen', 1, 100],
      ['db.c', 'queryHash', 2, 12],
      ['db.other', 'baleen', 1, 1],
    ]);
  });

  it('never merges two shapes whose 32-bit hashes collide', () => {
    const t = new ShapeStatsTable();
    const a: Operation = { source: 'log', ns: 'd.c', op: 'find', ts: T0, durationMs: 1, shape: { text: '{"filter":{"a":"?number"}}', hash: 'SAME', hashSource: 'baleen' } };
    const b: Operation = { ...a, shape: { text: '{"filter":{"b":"?number"}}', hash: 'SAME', hashSource: 'baleen' } };
    t.add(a);
    t.add(b);
    t.add(a);
    expect(t.summaries().map((r) => [r.shape, r.count])).toEqual([
      ['{"filter":{"a":"?number"}}', 2],
      ['{"filter":{"b":"?number"}}', 1],
    ]);
  });

  it('records plans seen and when the plan changed', () => {
    const t = new ShapeStatsTable();
    const plans = ['IXSCAN { a: 1 }', 'IXSCAN { a: 1 }', 'COLLSCAN', 'COLLSCAN', 'IXSCAN { a: 1 }'];
    plans.forEach((p, i) => t.add(op({ planSummary: p, ts: T0 + i * 1000 })));
    const [row] = t.summaries();
    expect(row!.planSummaries.map((p) => [p.plan, p.count])).toEqual([
      ['IXSCAN { a: 1 }', 3],
      ['COLLSCAN', 2],
    ]);
    expect(row!.planChangeCount).toBe(2);
    expect(row!.planChanges).toEqual([
      { ts: new Date(T0 + 2000).toISOString(), from: 'IXSCAN { a: 1 }', to: 'COLLSCAN' },
      { ts: new Date(T0 + 4000).toISOString(), from: 'COLLSCAN', to: 'IXSCAN { a: 1 }' },
    ]);
  });

  it('merging tables of consecutive inputs equals one table over all of them (worker ranges)', () => {
    const genOp = fc.record({
      shape: fc.constantFrom('{"filter":{"a":"?number"}}', '{"filter":{"b":"?string"}}', '{}'),
      ns: fc.constantFrom('db.c', 'db.d'),
      durationMs: fc.integer({ min: 0, max: 5000 }),
      plan: fc.constantFrom('COLLSCAN', 'IXSCAN { a: 1 }', undefined),
      client: fc.constantFrom('10.0.0.1:5000', '10.0.0.2:6000', undefined),
      docs: fc.option(fc.nat(1000), { nil: undefined }),
      ret: fc.option(fc.nat(100), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(genOp, { maxLength: 60 }), fc.nat(60), (ops, cutAt) => {
        const cut = Math.min(cutAt, ops.length);
        const toOp = (g: (typeof ops)[number], i: number): Operation => {
          const o = op({ text: g.shape, ns: g.ns, durationMs: g.durationMs, ts: T0 + i });
          if (g.plan !== undefined) o.planSummary = g.plan;
          if (g.client !== undefined) o.client = g.client;
          if (g.docs !== undefined) o.docsExamined = g.docs;
          if (g.ret !== undefined) o.nreturned = g.ret;
          return o;
        };
        const whole = new ShapeStatsTable();
        ops.forEach((g, i) => whole.add(toOp(g, i)));
        const a = new ShapeStatsTable();
        const b = new ShapeStatsTable();
        ops.slice(0, cut).forEach((g, i) => a.add(toOp(g, i)));
        ops.slice(cut).forEach((g, i) => b.add(toOp(g, i + cut)));
        a.merge(ShapeStatsTable.fromJSON(JSON.parse(JSON.stringify(b.toJSON())) as ReturnType<ShapeStatsTable['toJSON']>));
        const norm = (t: ShapeStatsTable) => t.summaries().map((r) => ({ ...r, planChanges: r.planChanges.map((c) => `${c.from}>${c.to}`) }));
        expect(norm(a)).toEqual(norm(whole));
        expect(a.operations).toBe(whole.operations);
      }),
      { numRuns: 150 },
    );
  });

  it('is bounded: shapes past the limit pool into one row, nothing is lost from the totals', () => {
    const t = new ShapeStatsTable({ maxShapes: 10 });
    for (let i = 0; i < 100; i++) t.add(op({ text: `{"filter":{"f${i}":"?number"}}`, durationMs: 1 }));
    expect(t.size).toBe(11);
    const rows = t.summaries();
    expect(rows.reduce((a, r) => a + r.count, 0)).toBe(100);
    expect(rows.find((r) => r.ns === '*')!.count).toBe(90);
  });

  it('reports examined per returned and quantiles within the sketch error', () => {
    const t = new ShapeStatsTable();
    for (let i = 1; i <= 100; i++) t.add(op({ durationMs: i, docsExamined: 50, keysExamined: 10, nreturned: 5 }));
    const [r] = t.summaries();
    expect(r!.examinedPerReturned).toBe(10);
    expect(Math.abs(r!.p50Ms - 50)).toBeLessThanOrEqual(0.5 + 0.01);
    expect(Math.abs(r!.p95Ms - 95)).toBeLessThanOrEqual(0.95 + 0.01);
    expect(r!.maxMs).toBe(100);
    expect(r!.avgMs).toBe(50.5);
  });
});
