import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeId } from '../../../src-shared/domain/identity';
import { betterSqliteDriver } from '../store/better-sqlite3.driver';
import { MAX_ROWS_PER_SHAPE, PlanHistoryStore, type PlanRecord } from './plan-history.store';

const A = 'prod/a:27017' as NodeId;
const B = 'prod/b:27017' as NodeId;
const rec = (over: Partial<PlanRecord>): PlanRecord => ({
  ts: 1000,
  nodeId: A,
  namespace: 'shop.orders',
  op: 'find',
  shapeHash: 'AAAA0001',
  shapeText: '{"filter":{"status":"?string"}}',
  signature: 'COLLSCAN',
  planSummary: 'COLLSCAN',
  verbosity: 'executionStats',
  nReturned: 10,
  executionTimeMillis: 50,
  totalKeysExamined: 0,
  totalDocsExamined: 1000,
  ...over,
});

describe('plan history (plans.db)', () => {
  let dir: string;
  let store: PlanHistoryStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baleen-plans-'));
    store = new PlanHistoryStore(betterSqliteDriver(), join(dir, 'plans.db'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('flags a change only when the signature differs from the last one for the same shape on the same node', () => {
    expect(store.record(rec({ ts: 1000 })).change).toBeNull();
    expect(store.record(rec({ ts: 2000, totalDocsExamined: 5 })).change).toBeNull(); // same plan, other numbers
    // Another node and another shape have their own history.
    expect(store.record(rec({ ts: 2500, nodeId: B, signature: 'FETCH/IXSCAN(status_1)', planSummary: 'IXSCAN status_1' })).change).toBeNull();
    expect(store.record(rec({ ts: 2600, shapeHash: 'BBBB0002', signature: 'X', planSummary: 'X' })).change).toBeNull();
    const r = store.record(rec({ ts: 3000, signature: 'FETCH/IXSCAN(status_1)', planSummary: 'IXSCAN status_1' }));
    expect(r.change).toEqual({ nodeId: A, namespace: 'shop.orders', op: 'find', shapeHash: 'AAAA0001', shapeText: '{"filter":{"status":"?string"}}', ts: 3000, previousTs: 2000, from: 'COLLSCAN', to: 'IXSCAN status_1' });
    expect(r.entry.changed).toBe(true);
    // Back to the old plan is a change too.
    expect(store.record(rec({ ts: 4000 })).change).toMatchObject({ from: 'IXSCAN status_1', to: 'COLLSCAN' });

    expect(store.history({ nodeId: A, shapeHash: 'AAAA0001', limit: 10 }).map((h) => [h.ts, h.planSummary, h.changed])).toEqual([
      [4000, 'COLLSCAN', true],
      [3000, 'IXSCAN status_1', true],
      [2000, 'COLLSCAN', false],
      [1000, 'COLLSCAN', false],
    ]);
    expect(store.changes({ limit: 10 }).map((c) => [c.ts, c.nodeId])).toEqual([
      [4000, A],
      [3000, A],
    ]);
    expect(store.changes({ from: 3500, limit: 10 })).toHaveLength(1);
    expect(store.changes({ nodeId: B, limit: 10 })).toEqual([]);
  });

  it('keeps at most MAX_ROWS_PER_SHAPE rows per shape and node, and survives a reopen', () => {
    for (let i = 0; i < MAX_ROWS_PER_SHAPE + 20; i++) store.record(rec({ ts: i }));
    expect(store.history({ nodeId: A, limit: 1000 })).toHaveLength(MAX_ROWS_PER_SHAPE);
    store.close();
    store = new PlanHistoryStore(betterSqliteDriver(), join(dir, 'plans.db'));
    expect(store.history({ nodeId: A, limit: 1 })[0]!.ts).toBe(MAX_ROWS_PER_SHAPE + 19);
    expect(store.record(rec({ ts: 99_999, signature: 'IDHACK', planSummary: 'IDHACK' })).change).toMatchObject({ from: 'COLLSCAN', to: 'IDHACK' });
  });
});
