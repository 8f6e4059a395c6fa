import { describe, expect, it } from 'vitest';
import { findings } from './explain.findings';
import { normalizeExplain } from './explain.normalizer';
import { Finding, type JsonValue } from './explain.schema';

// Test documents are literal objects; TypeScript widens their unions past JsonValue, so take unknown.
const run = (doc: unknown, opts = {}) => findings(normalizeExplain(doc as JsonValue), opts);
const codes = (doc: unknown, opts = {}) => run(doc, opts).map((f) => `${f.severity} ${f.code} @ ${f.stagePath}`);

const find = (plan: unknown, es?: Record<string, JsonValue>) => ({
  queryPlanner: { namespace: 'db.c', winningPlan: plan },
  ...(es ? { executionStats: { ...es, executionStages: plan } } : {}),
});

describe('findings: collection scans', () => {
  const isCollscan = (c: string) => c.split(' ')[1] === 'COLLSCAN';
  it('flags by documents read: nothing under the threshold, warning over it, critical at ten times', () => {
    const scan = (docs: number) => find({ stage: 'COLLSCAN', docsExamined: docs, nReturned: 1 }, { nReturned: 1, totalDocsExamined: docs, totalKeysExamined: 0 });
    expect(codes(scan(500)).filter(isCollscan)).toEqual([]);
    expect(codes(scan(20_000)).filter(isCollscan)).toEqual(['warning COLLSCAN @ COLLSCAN']);
    expect(codes(scan(200_000)).filter(isCollscan)).toEqual(['critical COLLSCAN @ COLLSCAN']);
    expect(codes(scan(500), { largeCollectionDocs: 100 }).filter(isCollscan)).toEqual(['warning COLLSCAN @ COLLSCAN']);
  });

  it('without execution numbers: info, or a warning when the collection size is known to be large', () => {
    expect(codes(find({ stage: 'COLLSCAN' }))).toEqual(['info COLLSCAN @ COLLSCAN']);
    expect(codes(find({ stage: 'COLLSCAN' }), { collectionDocs: 5_000_000 })).toEqual(['warning COLLSCAN @ COLLSCAN']);
    expect(codes(find({ stage: 'COLLSCAN' }), { collectionDocs: 50 })).toEqual([]);
  });
});

describe('findings: sorts, ratios, FETCH filters', () => {
  it('an in-memory SORT is a warning, critical when it spilled', () => {
    expect(codes(find({ stage: 'SORT', sortPattern: { a: 1 }, inputStage: { stage: 'IXSCAN', indexName: 'b_1' } }))).toEqual(['warning IN_MEMORY_SORT @ SORT']);
    const spilled = run(find({ stage: 'SORT', sortPattern: { a: 1 }, usedDisk: true, inputStage: { stage: 'IXSCAN', indexName: 'b_1' } }));
    expect(spilled[0]).toMatchObject({ severity: 'critical', code: 'IN_MEMORY_SORT' });
    expect(spilled[0]!.message).toMatch(/spilled to disk/);
  });

  it('examined/returned above the threshold points at the stage that did the reading', () => {
    const plan = { stage: 'FETCH', docsExamined: 50_000, nReturned: 10, inputStage: { stage: 'IXSCAN', indexName: 'a_1', keysExamined: 60_000, nReturned: 50_000 } };
    expect(codes(find(plan, { nReturned: 10, totalKeysExamined: 60_000, totalDocsExamined: 50_000 }))).toEqual([
      'critical EXAMINED_RATIO @ FETCH/IXSCAN',
      'critical EXAMINED_RATIO @ FETCH',
    ]);
    // few documents examined: cheap whatever the ratio
    const small = { stage: 'FETCH', docsExamined: 500, nReturned: 1, inputStage: { stage: 'IXSCAN', indexName: 'a_1', keysExamined: 500 } };
    expect(codes(find(small, { nReturned: 1, totalKeysExamined: 500, totalDocsExamined: 500 }))).toEqual([]);
  });

  it('a FETCH whose filter drops most of what the index found: the index does not cover the filter', () => {
    const plan = { stage: 'FETCH', filter: { $and: [{ b: { $eq: 1 } }, { c: { $gt: 2 } }] }, docsExamined: 900, nReturned: 12, inputStage: { stage: 'IXSCAN', indexName: 'a_1', keysExamined: 900 } };
    const f = run(find(plan, { nReturned: 12, totalKeysExamined: 900, totalDocsExamined: 900 })).filter((x) => x.code === 'FETCH_FILTER');
    expect(f).toEqual([expect.objectContaining({ severity: 'warning', stagePath: 'FETCH' })]);
    expect(f[0]!.message).toMatch(/filter on b, c kept 12 \(1\.3%\)/);
    // keeping most documents is fine
    const fine = { ...plan, nReturned: 800 };
    expect(run(find(fine, { nReturned: 800, totalKeysExamined: 900, totalDocsExamined: 900 })).some((x) => x.code === 'FETCH_FILTER')).toBe(false);
  });
});

describe('findings: pipelines', () => {
  const cursor = { $cursor: { queryPlanner: { namespace: 'db.c', winningPlan: { stage: 'COLLSCAN' } } } };

  it('$lookup: scanned the foreign collection (5.0+ numbers), an unverifiable one, and one checked against known indexes', () => {
    const scanned = { stages: [cursor, { $lookup: { from: 'orders', as: 'o', localField: 'id', foreignField: 'custId' }, collectionScans: 40, totalDocsExamined: 4000, indexesUsed: [] }] };
    const f = run(scanned).filter((x) => x.code === 'LOOKUP_NO_INDEX');
    expect(f).toEqual([expect.objectContaining({ severity: 'warning', stagePath: '$lookup' })]);
    expect(f[0]!.message).toMatch(/scanned that collection 40 time\(s\), reading 4,000 documents.*orders\.custId/);

    const unknown = { stages: [cursor, { $lookup: { from: 'orders', as: 'o', localField: 'id', foreignField: 'custId' } }] };
    expect(codes(unknown).filter((c) => c.includes('LOOKUP'))).toEqual(['info LOOKUP_NO_INDEX @ $lookup']);
    expect(codes(unknown, { foreignIndexes: { orders: [{ name: 'c', key: { custId: 1, at: -1 } }] } }).filter((c) => c.includes('LOOKUP'))).toEqual([]);
    expect(codes(unknown, { foreignIndexes: { orders: [{ name: 'c', key: { at: 1, custId: 1 } }] } }).filter((c) => c.includes('LOOKUP'))).toEqual(['warning LOOKUP_NO_INDEX @ $lookup']);
  });

  it('SBE EQ_LOOKUP names its join strategy: nested-loop and hash joins used no index', () => {
    const plan = (strategy: string) => find({ stage: 'EQ_LOOKUP', foreignCollection: 'db.orders', foreignField: 'custId', strategy, indexName: 'custId_1', inputStage: { stage: 'IXSCAN', indexName: 'a_1' } });
    expect(codes(plan('NestedLoopJoin'))).toEqual(['warning LOOKUP_NO_INDEX @ EQ_LOOKUP']);
    expect(codes(plan('IndexedLoopJoin'))).toEqual([]);
    // the foreign index is not reported as one of this collection's indexes
    const model = normalizeExplain(plan('IndexedLoopJoin') as JsonValue);
    expect(model.root.index).toBeNull();
  });

  it('a $match that reads none of the fields earlier stages add could run first', () => {
    const late = { stages: [cursor, { $lookup: { from: 'x', as: 'joined', localField: 'a', foreignField: 'b' } }, { $match: { status: 'A' } }] };
    expect(codes(late)).toContain('warning MATCH_NOT_FIRST @ $match');
    // reading the joined field: it must stay where it is
    const needs = { stages: [cursor, { $lookup: { from: 'x', as: 'joined', localField: 'a', foreignField: 'b' } }, { $match: { 'joined.n': 1 } }] };
    expect(codes(needs).some((c) => c.includes('MATCH_NOT_FIRST'))).toBe(false);
    // after a reshaping stage nothing can be said
    const grouped = { stages: [cursor, { $group: { _id: '$a' } }, { $match: { _id: 1 } }] };
    expect(codes(grouped).some((c) => c.includes('MATCH_NOT_FIRST'))).toBe(false);
    // after $limit it changes the results: info, and the message says why
    const limited = run({ stages: [cursor, { $limit: 10 }, { $match: { status: 'A' } }] }).filter((x) => x.code === 'MATCH_NOT_FIRST');
    expect(limited).toEqual([expect.objectContaining({ severity: 'info' })]);
    expect(limited[0]!.message).toMatch(/\$limit comes first/);
  });

  it('judges a leftover $match against the pipeline the user wrote (the server may have moved stages)', () => {
    const doc = {
      stages: [cursor, { $match: { status: 'A' } }, { $lookup: { from: 'x', as: 'j', localField: 'a', foreignField: 'b' } }],
      command: { aggregate: 'c', pipeline: [{ $lookup: { from: 'x', as: 'j', localField: 'a', foreignField: 'b' } }, { $skip: 5 }, { $match: { status: 'A' } }] },
    };
    const f = run(doc).filter((x) => x.code === 'MATCH_NOT_FIRST');
    expect(f).toEqual([expect.objectContaining({ severity: 'info', stagePath: '$lookup/$match' })]);
    expect(f[0]!.message).toMatch(/after \$lookup, \$skip/);
  });
});

describe('findings: sharding and odd input', () => {
  const sharded = (n: number) => ({
    queryPlanner: { winningPlan: { stage: 'SHARD_MERGE', shards: Array.from({ length: n }, (_, i) => ({ shardName: `s${i}`, winningPlan: { stage: 'IXSCAN', indexName: 'a_1' } })) } },
  });

  it('scatter-gather when the query went to several shards; not when the cluster is known to have more', () => {
    expect(codes(sharded(1))).toEqual([]);
    expect(codes(sharded(3))).toEqual(['warning SCATTER_GATHER @ SHARD_MERGE']);
    expect(codes(sharded(3), { totalShards: 3 })).toEqual(['warning SCATTER_GATHER @ SHARD_MERGE']);
    expect(codes(sharded(3), { totalShards: 8 })).toEqual([]);
  });

  it('flags unknown stages, truncated input and failed shards; every finding fits its schema', () => {
    const doc = {
      queryPlanner: { winningPlan: { stage: 'SHARD_MERGE', shards: [{ shardName: 's0', winningPlan: { stage: 'NEW_THING', inputStage: { $truncated: 'Object' } } }] } },
      executionStats: { executionStages: { stage: 'SHARD_MERGE', shards: [{ shardName: 's0', executionSuccess: false, errorMessage: 'boom', executionStages: { stage: 'NEW_THING' } }] } },
    };
    const f = run(doc);
    expect(f.map((x) => `${x.severity} ${x.code} @ ${x.stagePath} [${x.shard}]`)).toEqual([
      'critical SHARD_FAILED @ SHARD_MERGE/s0:NEW_THING [s0]',
      'info UNKNOWN_STAGE @ SHARD_MERGE/s0:NEW_THING [s0]',
    ]);
    const cut = run({ queryPlanner: { winningPlan: { stage: 'FETCH', inputStage: { $truncated: 'Object' } } } });
    expect(cut.map((x) => x.code)).toEqual(['TRUNCATED_INPUT']);
    for (const x of [...f, ...cut]) expect(Finding.safeParse(x).success).toBe(true);
  });
});
