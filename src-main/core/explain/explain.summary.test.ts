import { describe, expect, it } from 'vitest';
import { normalizeExplain } from './explain.normalizer';
import { summarize } from './explain.summary';
import type { JsonValue } from './explain.schema';

const sum = (doc: JsonValue) => summarize(normalizeExplain(doc));

const cursor = (es: Record<string, JsonValue> | null, plan: JsonValue = { stage: 'COLLSCAN' }) => ({
  $cursor: { queryPlanner: { winningPlan: plan }, ...(es ? { executionStats: { ...es, executionStages: plan } } : {}) },
});

describe('summarize: where the numbers come from', () => {
  it('an unsharded pipeline: the query layer examined, the last stage returned', () => {
    const s = sum({ stages: [cursor({ nReturned: 50, executionTimeMillis: 7, totalKeysExamined: 0, totalDocsExamined: 500 }), { $group: {}, nReturned: 3 }] });
    expect(s).toMatchObject({ nReturned: 3, executionTimeMillis: 7, totalKeysExamined: 0, totalDocsExamined: 500, queryNReturned: 50, docsExaminedPerReturned: 10 });
  });

  it('an unsharded pipeline whose last stage prints no count returns null, not the $cursor count', () => {
    const s = sum({ stages: [cursor({ nReturned: 50, executionTimeMillis: 7, totalKeysExamined: 0, totalDocsExamined: 500 }), { $sort: { sortKey: { a: 1 } } }] });
    expect(s.nReturned).toBeNull();
    expect(s.queryNReturned).toBe(50);
  });

  it('a sharded pipeline: keys and docs summed over shards, time the slowest shard, nReturned unknown', () => {
    const shard = (n: number, ms: number, keys: number, docs: number) => ({ stages: [cursor({ nReturned: n, executionTimeMillis: ms, totalKeysExamined: keys, totalDocsExamined: docs })] });
    const s = sum({ splitPipeline: { shardsPart: [], mergerPart: [{ $mergeCursors: {} }] }, shards: { a: shard(1, 30, 10, 100), b: shard(2, 50, 20, 200), c: shard(3, 10, 30, 300) } });
    expect(s).toMatchObject({ nReturned: null, executionTimeMillis: 50, totalKeysExamined: 60, totalDocsExamined: 600, queryNReturned: 6, shards: 3, shardNames: ['a', 'b', 'c'] });
  });

  it('one shard missing a number makes that total unknown (never a partial sum)', () => {
    const s = sum({
      splitPipeline: null,
      shards: { a: { stages: [cursor({ nReturned: 1, executionTimeMillis: 3, totalKeysExamined: 1, totalDocsExamined: 1 })] }, b: { stages: [cursor(null)] } },
    });
    expect([s.executionTimeMillis, s.totalKeysExamined, s.totalDocsExamined, s.nReturned]).toEqual([null, null, null, null]);
  });

  it('an unsplit pipeline on one shard passes that shard\'s output through', () => {
    const s = sum({ splitPipeline: null, shards: { only: { stages: [cursor({ nReturned: 9, executionTimeMillis: 1, totalKeysExamined: 9, totalDocsExamined: 9 }), { $limit: 4, nReturned: 4 }] } } });
    expect(s).toMatchObject({ nReturned: 4, shards: 1 });
  });

  it('zero documents returned still shows the cost of the scan (ratio against one)', () => {
    const s = sum({ queryPlanner: { winningPlan: { stage: 'COLLSCAN' } }, executionStats: { nReturned: 0, totalKeysExamined: 0, totalDocsExamined: 4000, executionStages: { stage: 'COLLSCAN' } } });
    expect(s.docsExaminedPerReturned).toBe(4000);
    expect(s.keysExaminedPerReturned).toBe(0);
  });
});

describe('summarize: plan properties', () => {
  it('covered only with an index scan, no document-reading stage and no documents examined', () => {
    const plan = { stage: 'PROJECTION_COVERED', inputStage: { stage: 'IXSCAN', indexName: 'a_1', keyPattern: { a: 1 } } };
    expect(sum({ queryPlanner: { winningPlan: plan } }).covered).toBe(true);
    expect(sum({ queryPlanner: { winningPlan: plan }, executionStats: { totalDocsExamined: 0, executionStages: plan } }).covered).toBe(true);
    expect(sum({ queryPlanner: { winningPlan: plan }, executionStats: { totalDocsExamined: 3, executionStages: plan } }).covered).toBe(false);
    expect(sum({ queryPlanner: { winningPlan: { stage: 'FETCH', inputStage: plan.inputStage } } }).covered).toBe(false);
    expect(sum({ queryPlanner: { winningPlan: { stage: 'IDHACK' } } }).covered).toBe(false);
    expect(sum({ queryPlanner: { winningPlan: { stage: 'COLLSCAN' } } }).covered).toBe(false);
  });

  it('in-memory sort and whether it spilled (SORT stage, pipeline $sort)', () => {
    expect(sum({ queryPlanner: { winningPlan: { stage: 'SORT', usedDisk: true, inputStage: { stage: 'COLLSCAN' } } } })).toMatchObject({ inMemorySort: true, sortSpilled: true });
    expect(sum({ queryPlanner: { winningPlan: { stage: 'SORT', spills: 0, inputStage: { stage: 'COLLSCAN' } } } })).toMatchObject({ inMemorySort: true, sortSpilled: false });
    expect(sum({ queryPlanner: { winningPlan: { stage: 'SORT', inputStage: { stage: 'COLLSCAN' } } } })).toMatchObject({ inMemorySort: true, sortSpilled: null });
    expect(sum({ stages: [cursor(null), { $sort: { sortKey: { a: 1 } }, usedDisk: false, spills: 3 }] })).toMatchObject({ inMemorySort: true, sortSpilled: true });
    expect(sum({ queryPlanner: { winningPlan: { stage: 'IXSCAN', indexName: 'a_1' } } })).toMatchObject({ inMemorySort: false, sortSpilled: null });
  });

  it('lists each index once, with key, bounds, stage paths and shards; a key without a name gets the default name', () => {
    const s = sum({
      queryPlanner: {
        winningPlan: {
          stage: 'OR',
          inputStages: [
            { stage: 'IXSCAN', indexName: 'a_1', keyPattern: { a: 1 }, indexBounds: { a: ['[1, 1]'] } },
            { stage: 'IXSCAN', indexName: 'a_1', keyPattern: { a: 1 }, indexBounds: { a: ['[5, 5]'] } },
            { stage: 'IXSCAN', keyPattern: { b: -1, c: 1 } },
          ],
        },
      },
    });
    expect(s.indexesUsed).toEqual(['a_1', 'b_-1_c_1']);
    expect(s.indexes[0]).toEqual({ name: 'a_1', keyPattern: { a: 1 }, bounds: { a: ['[1, 1]'] }, stagePaths: ['OR/IXSCAN[0]', 'OR/IXSCAN[1]'], shards: [] });
  });

  it('rejected plans do not count as used indexes', () => {
    const s = sum({ queryPlanner: { winningPlan: { stage: 'COLLSCAN' }, rejectedPlans: [{ stage: 'IXSCAN', indexName: 'z_1' }] } });
    expect(s).toMatchObject({ indexesUsed: [], collectionScan: true, rejectedPlans: 1 });
  });
});
