import { normalizeExplain } from './explain.normalizer';
import type { JsonValue } from './explain.schema';
import { costliestPath, planSignature, planSummaryText } from './plan-cost';

const ixscan = (name: string, key: Record<string, number>, extra: Record<string, unknown> = {}) => ({ stage: 'IXSCAN', indexName: name, keyPattern: key, indexBounds: {}, ...extra });

/** SORT (90 ms) ← FETCH (70) ← IXSCAN (20): the fetch did the most work of its own. */
const classic = {
  queryPlanner: {
    namespace: 'shop.orders',
    parsedQuery: { status: { $eq: 'A' } },
    winningPlan: { stage: 'SORT', sortPattern: { ts: -1 }, inputStage: { stage: 'FETCH', inputStage: ixscan('status_1', { status: 1 }) } },
    rejectedPlans: [],
  },
  executionStats: {
    executionSuccess: true,
    nReturned: 10,
    executionTimeMillis: 91,
    totalKeysExamined: 5000,
    totalDocsExamined: 5000,
    executionStages: {
      stage: 'SORT',
      nReturned: 10,
      executionTimeMillisEstimate: 90,
      sortPattern: { ts: -1 },
      inputStage: {
        stage: 'FETCH',
        nReturned: 5000,
        executionTimeMillisEstimate: 70,
        docsExamined: 5000,
        inputStage: ixscan('status_1', { status: 1 }, { nReturned: 5000, executionTimeMillisEstimate: 20, keysExamined: 5000 }),
      },
    },
  },
  ok: 1,
};

/** Two shards under SHARD_MERGE: the slower shard's subtree is the costliest path. */
const sharded = {
  queryPlanner: {
    mongosPlannerVersion: 1,
    winningPlan: {
      stage: 'SHARD_MERGE',
      shards: [
        { shardName: 's1', connectionString: 's1/a:1', serverInfo: { host: 'a', port: 1, version: '7.0.1' }, namespace: 'db.c', parsedQuery: {}, winningPlan: { stage: 'SHARDING_FILTER', inputStage: { stage: 'COLLSCAN', direction: 'forward' } }, rejectedPlans: [] },
        { shardName: 's2', connectionString: 's2/b:1', serverInfo: { host: 'b', port: 1, version: '7.0.1' }, namespace: 'db.c', parsedQuery: {}, winningPlan: { stage: 'FETCH', inputStage: ixscan('a_1', { a: 1 }) }, rejectedPlans: [] },
      ],
    },
  },
  executionStats: {
    nReturned: 30,
    executionTimeMillis: 200,
    totalKeysExamined: 10,
    totalDocsExamined: 100_010,
    executionStages: {
      stage: 'SHARD_MERGE',
      nReturned: 30,
      executionTimeMillis: 200,
      totalKeysExamined: 10,
      totalDocsExamined: 100_010,
      shards: [
        {
          shardName: 's1',
          executionSuccess: true,
          nReturned: 20,
          executionTimeMillis: 190,
          totalKeysExamined: 0,
          totalDocsExamined: 100_000,
          executionStages: { stage: 'SHARDING_FILTER', nReturned: 20, executionTimeMillisEstimate: 185, inputStage: { stage: 'COLLSCAN', nReturned: 20, executionTimeMillisEstimate: 180, docsExamined: 100_000 } },
        },
        {
          shardName: 's2',
          executionSuccess: true,
          nReturned: 10,
          executionTimeMillis: 5,
          totalKeysExamined: 10,
          totalDocsExamined: 10,
          executionStages: { stage: 'FETCH', nReturned: 10, executionTimeMillisEstimate: 4, docsExamined: 10, inputStage: ixscan('a_1', { a: 1 }, { nReturned: 10, executionTimeMillisEstimate: 1, keysExamined: 10 }) },
        },
      ],
    },
  },
  ok: 1,
};

describe('costliest path and stage', () => {
  it('follows the slowest subtree and picks the stage with the most time of its own', () => {
    const c = costliestPath(normalizeExplain(classic).root);
    expect(c).toEqual({ basis: 'time', paths: ['SORT', 'SORT/FETCH', 'SORT/FETCH/IXSCAN'], stagePath: 'SORT/FETCH', selfTimeMs: 50, selfExamined: 5000 });
  });

  it('goes down the slowest shard', () => {
    const m = normalizeExplain(sharded as unknown as JsonValue);
    const c = costliestPath(m.root);
    expect(c.basis).toBe('time');
    expect(c.paths).toEqual(['SHARD_MERGE', 'SHARD_MERGE/s1:SHARDING_FILTER', 'SHARD_MERGE/s1:SHARDING_FILTER/COLLSCAN']);
    expect(c.stagePath).toBe('SHARD_MERGE/s1:SHARDING_FILTER/COLLSCAN');
    expect(c.selfTimeMs).toBe(180);
  });

  it('without times, follows what was examined', () => {
    const noTimes = structuredClone(classic) as typeof classic;
    const st = noTimes.executionStats.executionStages as Record<string, unknown> & { inputStage: Record<string, unknown> & { inputStage: Record<string, unknown> } };
    delete st.executionTimeMillisEstimate;
    delete st.inputStage.executionTimeMillisEstimate;
    delete st.inputStage.inputStage.executionTimeMillisEstimate;
    const c = costliestPath(normalizeExplain(noTimes).root);
    expect(c.basis).toBe('examined');
    expect(c.selfTimeMs).toBeNull();
    // FETCH and IXSCAN both examined 5,000; the first on the path wins the tie.
    expect(c.stagePath).toBe('SORT/FETCH');
  });

  it('claims nothing for queryPlanner output', () => {
    const { executionStats: _e, ...qp } = classic;
    expect(costliestPath(normalizeExplain(qp).root)).toEqual({ basis: 'none', paths: [], stagePath: null, selfTimeMs: null, selfExamined: null });
  });
});

describe('plan signature and summary', () => {
  it('ignores numbers, notices another index or stage', () => {
    const a = normalizeExplain(classic);
    const { executionStats: _e, ...qp } = classic;
    expect(planSignature(normalizeExplain(qp))).toBe(planSignature(a));
    const other = structuredClone(classic);
    other.queryPlanner.winningPlan.inputStage.inputStage.indexName = 'status_1_ts_-1';
    other.executionStats.executionStages.inputStage.inputStage.indexName = 'status_1_ts_-1';
    expect(planSignature(normalizeExplain(other))).not.toBe(planSignature(a));
    expect(planSummaryText(a)).toBe('IXSCAN status_1 + in-memory sort');
    expect(planSummaryText(normalizeExplain(sharded as unknown as JsonValue))).toBe('COLLSCAN, IXSCAN a_1');
  });
});
