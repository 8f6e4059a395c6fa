import { describe, expect, it } from 'vitest';
import { BaleenError } from '../../../src-shared/domain/errors';
import { parseExplainText } from './explain-text.parser';
import { findNode, forEachNode, normalizeExplain, normalizeExplainText } from './explain.normalizer';
import { PlanModel, type JsonValue, type PlanNode } from './explain.schema';

const stages = (root: PlanNode) => {
  const out: string[] = [];
  forEachNode(root, (n) => void out.push(n.path));
  return out;
};

function refused(doc: JsonValue): BaleenError {
  try {
    normalizeExplain(doc);
  } catch (e) {
    expect(e).toBeInstanceOf(BaleenError);
    return e as BaleenError;
  }
  throw new Error('expected a refusal');
}

describe('normalizeExplain: classic plans', () => {
  it('builds the tree from executionStages (with numbers) and keeps the planner fields', () => {
    const m = normalizeExplain({
      queryPlanner: {
        namespace: 'db.c',
        parsedQuery: { a: { $eq: 1 } },
        queryHash: 'AB',
        planCacheKey: 'CD',
        winningPlan: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'a_1', keyPattern: { a: 1 } } },
        rejectedPlans: [{ stage: 'COLLSCAN', direction: 'forward' }],
      },
      executionStats: {
        nReturned: 2,
        executionTimeMillis: 3,
        totalKeysExamined: 4,
        totalDocsExamined: 5,
        executionStages: {
          stage: 'FETCH',
          nReturned: 2,
          docsExamined: 5,
          inputStage: { stage: 'IXSCAN', nReturned: 4, keysExamined: 4, indexName: 'a_1', keyPattern: { a: 1 }, indexBounds: { a: ['[1, 1]'] }, isMultiKey: false },
        },
      },
    });
    expect(stages(m.root)).toEqual(['FETCH', 'FETCH/IXSCAN']);
    const ix = findNode(m.root, 'FETCH/IXSCAN')!;
    expect(ix.stats).toMatchObject({ nReturned: 4, keysExamined: 4 });
    expect(ix.index).toEqual({ name: 'a_1', keyPattern: { a: 1 }, bounds: { a: ['[1, 1]'] }, multiKey: false, direction: null, implied: false });
    expect(ix.details).toEqual({ isMultiKey: false });
    expect(m.queryLayers[0]).toMatchObject({
      namespace: 'db.c',
      parsedQuery: { a: { $eq: 1 } },
      planCache: { queryHash: 'AB', planCacheKey: 'CD' },
      stats: { nReturned: 2, executionTimeMillis: 3, totalKeysExamined: 4, totalDocsExamined: 5 },
    });
    expect(m.queryLayers[0]!.rejectedPlans[0]!.root.path).toBe('rejectedPlans[0]/COLLSCAN');
    expect(m).toMatchObject({ kind: 'find', sharded: false, engine: 'classic', verbosity: 'executionStats', outputNReturned: 2 });
  });

  it('keeps an unknown stage with its name, numbers and children, and flags it', () => {
    const m = normalizeExplain({
      queryPlanner: {
        winningPlan: { stage: 'FUTURE_STAGE', nReturned: 7, widgets: 3, inputStage: { stage: 'IXSCAN', indexName: 'x_1' } },
      },
    });
    const n = m.root;
    expect(n).toMatchObject({ stage: 'FUTURE_STAGE', known: false, stats: { nReturned: 7 }, details: { widgets: 3 } });
    expect(n.children.map((c) => c.stage)).toEqual(['IXSCAN']);
    expect(m.unknownStages).toEqual(['FUTURE_STAGE']);
  });

  it('reads OR, SORT_MERGE and TEXT branches, numbering siblings in their paths', () => {
    const m = normalizeExplain({
      queryPlanner: {
        winningPlan: {
          stage: 'SORT_MERGE',
          sortPattern: { b: 1 },
          inputStages: [
            { stage: 'IXSCAN', indexName: 'a_1_b_1' },
            { stage: 'OR', inputStages: [{ stage: 'IXSCAN', indexName: 'c_1' }, { stage: 'TEXT_MATCH', inputStage: { stage: 'TEXT_OR', inputStage: { stage: 'IXSCAN', indexName: 't_text' } } }] },
          ],
        },
      },
    });
    expect(stages(m.root)).toEqual([
      'SORT_MERGE',
      'SORT_MERGE/IXSCAN[0]',
      'SORT_MERGE/OR[1]',
      'SORT_MERGE/OR[1]/IXSCAN[0]',
      'SORT_MERGE/OR[1]/TEXT_MATCH[1]',
      'SORT_MERGE/OR[1]/TEXT_MATCH[1]/TEXT_OR',
      'SORT_MERGE/OR[1]/TEXT_MATCH[1]/TEXT_OR/IXSCAN',
    ]);
    expect(m.unknownStages).toEqual([]);
  });

  it("parses 8.0 EXPRESS keyPattern text, and keeps a broken one as a detail instead of failing", () => {
    const ok = normalizeExplain({ queryPlanner: { winningPlan: { stage: 'EXPRESS_IXSCAN', keyPattern: '{ a: 1, "b.c": -1 }', indexName: 'a_1_b.c_-1' } } });
    expect(ok.root.index?.keyPattern).toEqual({ a: 1, 'b.c': -1 });
    const bad = normalizeExplain({ queryPlanner: { winningPlan: { stage: 'EXPRESS_IXSCAN', keyPattern: '{ a: 1, ', indexName: 'a_1' } } });
    expect(bad.root.index).toMatchObject({ name: 'a_1', keyPattern: null });
  });

  it('matches allPlansExecution trials to candidates by shape and keeps the ones it cannot match', () => {
    const m = normalizeExplain({
      queryPlanner: {
        winningPlan: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'a_1' } },
        rejectedPlans: [{ stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'b_1' } }],
      },
      executionStats: {
        executionStages: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'a_1' } },
        allPlansExecution: [
          { nReturned: 3, totalKeysExamined: 30, executionStages: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'b_1' } } },
          { nReturned: 4, totalKeysExamined: 4, executionStages: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'a_1' } } },
          { nReturned: 9, executionStages: { stage: 'COLLSCAN' } },
          null,
        ],
      },
    });
    const l = m.queryLayers[0]!;
    expect(l.rejectedPlans[0]!.trial).toMatchObject({ nReturned: 3, totalKeysExamined: 30 });
    expect(l.winningTrial).toMatchObject({ nReturned: 4 });
    expect(l.unmatchedTrials).toEqual([expect.objectContaining({ nReturned: 9 })]);
    expect(m.verbosity).toBe('allPlansExecution');
  });

  it('marks where mongosh cut the output ([Object]) and warns', () => {
    const m = normalizeExplain(parseExplainText("{ queryPlanner: { winningPlan: { stage: 'FETCH', inputStage: [Object] } } }"));
    const cut = m.root.children[0]!;
    expect(cut).toMatchObject({ stage: '[truncated]', truncated: true, path: 'FETCH/[truncated]' });
    expect(m.warnings[0]).toMatch(/cut short at FETCH\/\[truncated\]/);
  });
});

describe('normalizeExplain: slot-based engine (explainVersion 2)', () => {
  it('uses queryPlan as the tree and maps SBE numbers by planNodeId; keeps the SBE tree', () => {
    const m = normalizeExplain({
      explainVersion: '2',
      queryPlanner: {
        winningPlan: {
          queryPlan: { stage: 'FETCH', planNodeId: 2, inputStage: { stage: 'IXSCAN', planNodeId: 1, indexName: 'a_1', keyPattern: { a: 1 } } },
          slotBasedPlan: { stages: '[2] nlj ...' },
        },
      },
      executionStats: {
        nReturned: 3,
        executionStages: {
          stage: 'nlj',
          planNodeId: 2,
          nReturned: 3,
          outerStage: { stage: 'ixseek', planNodeId: 1, nReturned: 10, keysExamined: 10, numReads: 11 },
          innerStage: { stage: 'limit', planNodeId: 2, nReturned: 3, inputStage: { stage: 'seek', planNodeId: 2, nReturned: 3, numReads: 10 } },
        },
      },
    });
    expect(m.engine).toBe('sbe');
    expect(findNode(m.root, 'FETCH')!.stats).toMatchObject({ nReturned: 3, docsExamined: 10 });
    expect(findNode(m.root, 'FETCH/IXSCAN')!.stats).toMatchObject({ nReturned: 10, keysExamined: 10, docsExamined: null });
    const sbe = m.queryLayers[0]!.sbe!;
    expect(sbe.slotBasedPlan).toBe('[2] nlj ...');
    expect(stages(sbe.root)).toEqual(['sbe/nlj', 'sbe/nlj/ixseek[0]', 'sbe/nlj/limit[1]', 'sbe/nlj/limit[1]/seek']);
    expect(m.unknownStages).toEqual([]);
  });
});

describe('normalizeExplain: sharded', () => {
  const shardedFind = {
    queryPlanner: {
      mongosPlannerVersion: 1,
      winningPlan: {
        stage: 'SHARD_MERGE',
        shards: [
          { shardName: 'rs/a', connectionString: 'rs/a:1', serverInfo: { version: '7.0.2' }, namespace: 'db.c', winningPlan: { stage: 'SHARDING_FILTER', inputStage: { stage: 'COLLSCAN' } } },
          { shardName: 'rs:b', namespace: 'db.c', winningPlan: { stage: 'IXSCAN', indexName: 'a_1' } },
        ],
      },
    },
    executionStats: {
      nReturned: 5,
      executionTimeMillis: 9,
      totalKeysExamined: 3,
      totalDocsExamined: 100,
      executionStages: {
        stage: 'SHARD_MERGE',
        nReturned: 5,
        executionTimeMillis: 9,
        totalKeysExamined: 3,
        totalDocsExamined: 100,
        shards: [
          { shardName: 'rs/a', executionSuccess: true, nReturned: 2, executionTimeMillis: 8, totalKeysExamined: 0, totalDocsExamined: 100, executionStages: { stage: 'SHARDING_FILTER', nReturned: 2, inputStage: { stage: 'COLLSCAN', docsExamined: 100 } } },
          { shardName: 'rs:b', executionSuccess: true, nReturned: 3, executionTimeMillis: 1, totalKeysExamined: 3, totalDocsExamined: 0, executionStages: { stage: 'IXSCAN', keysExamined: 3, indexName: 'a_1' } },
        ],
      },
    },
  };

  it('puts each shard under the mongos stage, escaping / and : in shard names', () => {
    const m = normalizeExplain(shardedFind as unknown as JsonValue);
    expect(m.root.children.map((c) => [c.path, c.shard])).toEqual([
      ['SHARD_MERGE/rs%2Fa:SHARDING_FILTER', 'rs/a'],
      ['SHARD_MERGE/rs%3Ab:IXSCAN', 'rs:b'],
    ]);
    expect(m.mongosTotals).toEqual({ nReturned: 5, executionTimeMillis: 9, totalKeysExamined: 3, totalDocsExamined: 100 });
    expect(m.shards).toEqual([
      expect.objectContaining({ name: 'rs/a', host: 'rs/a:1', serverVersion: '7.0.2', stats: { nReturned: 2, executionTimeMillis: 8, totalKeysExamined: 0, totalDocsExamined: 100 } }),
      expect.objectContaining({ name: 'rs:b', stats: { nReturned: 3, executionTimeMillis: 1, totalKeysExamined: 3, totalDocsExamined: 0 } }),
    ]);
    expect(m.serverVersion).toBe('7.0.2');
  });

  it('adds up a shard tree when mongos (3.2) printed no per-shard totals', () => {
    const doc = structuredClone(shardedFind) as { executionStats: { executionStages: { shards: Array<Record<string, unknown>> } } };
    for (const s of doc.executionStats.executionStages.shards) {
      delete s.nReturned;
      delete s.totalKeysExamined;
      delete s.totalDocsExamined;
      delete s.executionTimeMillis;
    }
    const m = normalizeExplain(doc as unknown as JsonValue);
    // as mongod sums them: a tree with execution numbers and no keysExamined examined 0 keys
    expect(m.shards![0]!.stats).toEqual({ nReturned: 2, executionTimeMillis: null, totalKeysExamined: 0, totalDocsExamined: 100 });
  });

  it('sharded pipeline without a merger part: a synthetic SHARD_MERGE above the shards', () => {
    const m = normalizeExplain({
      mergeType: 'mongos',
      splitPipeline: null,
      shards: {
        s0: { stages: [{ $cursor: { queryPlanner: { winningPlan: { stage: 'COLLSCAN' } }, executionStats: { nReturned: 4, totalDocsExamined: 4 } } }, { $limit: 2, nReturned: 2 }] },
        s1: { queryPlanner: { winningPlan: { stage: 'EOF' } }, executionStats: { nReturned: 0 } },
      },
    });
    expect(m.root).toMatchObject({ stage: 'SHARD_MERGE', origin: 'synthetic' });
    expect(stages(m.root)).toEqual(['SHARD_MERGE', 'SHARD_MERGE/s0:$limit', 'SHARD_MERGE/s0:$limit/$cursor', 'SHARD_MERGE/s0:$limit/$cursor/COLLSCAN', 'SHARD_MERGE/s1:EOF']);
    expect(m.shards!.map((s) => s.outputNReturned)).toEqual([2, 0]);
    // two shards and no merger numbers: the operation's count is not printed anywhere
    expect(m.outputNReturned).toBeNull();
  });
});

describe('normalizeExplain: refusals are typed', () => {
  it('refuses what is not an explain, saying what it is', () => {
    expect(refused([1, 2]).message).toMatch(/not an array/);
    expect(refused({ ok: 0, errmsg: 'ns not found' }).message).toMatch(/failed explain.*ns not found/);
    expect(refused({ op: 'query', ns: 'a.b', millis: 3 }).message).toMatch(/system\.profile/);
    expect(refused({ cursor: 'BtreeCursor a_1', n: 1, nscanned: 2 })).toMatchObject({ code: 'E_UNSUPPORTED' });
    expect(refused({ hello: 1 })).toMatchObject({ code: 'E_PARSE' });
    expect(refused({ queryPlanner: { winningPlan: null } }).message).toMatch(/no winning plan/);
    expect(refused({ stages: [] }).message).toMatch(/empty pipeline/);
    expect(refused({ stages: Array.from({ length: 1001 }, () => ({ $match: {} })) }).message).toMatch(/at most 1000/);
  });

  it('gives a model that passes its own schema, also from shell text', () => {
    const m = normalizeExplainText(`{ queryPlanner: { winningPlan: { stage: 'IDHACK' } }, executionStats: { nReturned: NumberLong(1), executionStages: { stage: 'IDHACK', keysExamined: 1, docsExamined: 1 } } }`);
    expect(m.root.index).toMatchObject({ name: '_id_', implied: true });
    expect(PlanModel.parse(JSON.parse(JSON.stringify(m)))).toEqual(m);
  });
});

describe('normalizeExplain: a queryPlan wrapper over classic execution', () => {
  it('stays classic when the execution tree has classic stage names', () => {
    const m = normalizeExplain({
      queryPlanner: { winningPlan: { queryPlan: { stage: 'IXSCAN', indexName: 'a_1' } } },
      executionStats: { nReturned: 1, executionStages: { stage: 'IXSCAN', indexName: 'a_1', keysExamined: 1, nReturned: 1 } },
    });
    expect(m.engine).toBe('classic');
    expect(m.root.stats.keysExamined).toBe(1);
    expect(m.unknownStages).toEqual([]);
  });
});
