// Real explain output, MongoDB 3.2 → 8.0 (Compass fixtures: classic, SBE, sharded, aggregate), read into the
// one plan model. The expected numbers below were read from each raw JSON file by hand, not produced by
// this code. Skips with a notice when ../shared/corpus is absent (CI may not have it).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBaleenError } from '../../src-shared/domain/errors';
import {
  PlanModel,
  findings,
  forEachNode,
  normalizeExplain,
  parseExplainText,
  readExplainFile,
  summarize,
  type PlanNode,
} from '../../src-main/core/explain';

const CORPUS = path.resolve(process.cwd(), '../shared/corpus');
const COMPASS = path.join(CORPUS, 'compass/packages/explain-plan-helper/test/fixtures');
const PERCONA = path.join(CORPUS, 'percona-toolkit/src/go/tests/doc/out');
const haveCompass = existsSync(COMPASS);
const havePercona = existsSync(PERCONA);
if (!haveCompass) console.warn(`explain-corpus: ${COMPASS} not found; the corpus suites are skipped.`);
if (!havePercona) console.warn(`explain-corpus: ${PERCONA} not found; the percona suite is skipped.`);

interface Expected {
  nReturned: number | null;
  executionTimeMillis: number | null;
  totalKeysExamined: number | null;
  totalDocsExamined: number | null;
  indexesUsed: string[];
  collectionScan: boolean;
  inMemorySort: boolean;
  covered: boolean;
  shards: number | null;
}

// file → values read from the raw JSON. Sharded rules: mongos's executionStats where it prints one;
// otherwise keys/docs summed over shards, time = slowest shard, nReturned = merger's (not printed → null)
// or, for an unsplit pipeline on one shard, that shard's last stage.
const E = (
  nReturned: number | null,
  executionTimeMillis: number | null,
  totalKeysExamined: number | null,
  totalDocsExamined: number | null,
  indexesUsed: string[],
  collectionScan: boolean,
  inMemorySort: boolean,
  covered: boolean,
  shards: number | null,
): Expected => ({ nReturned, executionTimeMillis, totalKeysExamined, totalDocsExamined, indexesUsed, collectionScan, inMemorySort, covered, shards });

const TABLE: Record<string, Expected> = {
  // 5.3 SBE aggregate: $cursor executionStats 6/1/479/6, last stage $limit nReturned 6
  'aggregate_$cursor_sbe.json': E(6, 1, 479, 6, ['abbr_index'], false, false, false, null),
  // 5.0 $geoNearCursor only: 16116 / 205 ms / 16116 keys / 16116 docs
  'aggregate_$geonearcursor.json': E(16116, 205, 16116, 16116, ['location_2dsphere'], false, false, false, null),
  // 5.0 COLLSCAN + $lookup (whose _id_ is the foreign collection's, not listed): last stage nReturned 6
  'aggregate_$lookup_with_indexes.json': E(6, 0, 0, 6, [], true, false, false, null),
  // 4.4 queryPlanner only: no numbers at all
  'aggregate_$out.json': E(null, null, null, null, ['status_code_1'], false, false, false, null),
  // 5.0: $cursor 100 docs, LIMIT+COLLSCAN, then $match, $lookup (nReturned 20)
  'aggregate_collscan.json': E(20, 4, 0, 100, [], true, false, false, null),
  // 4.2: $cursor 1454504 docs in 21317 ms, then a $sort stage that prints no count
  'aggregate_stages_with_no_time.json': E(null, 21317, 0, 1454504, [], true, true, false, null),
  // 8.0 clustered collection: CLUSTERED_IXSCAN reads the clustered _id index, 2 docs examined
  'clustered_scan.json': E(1, 0, 0, 2, ['_id_'], false, false, false, null),
  // 8.0 SBE: COUNT_SCAN on a_1, 2 keys, 0 docs; last stage $project nReturned 1
  'count_scan.json': E(1, 2, 2, 0, ['a_1'], false, false, true, null),
  // 3.2 PROJECTION over IXSCAN, no FETCH: covered
  'covered_index_3.2.json': E(191665, 118, 191665, 0, ['age_1'], false, false, true, null),
  'express_clustered_scan.json': E(1, 0, 0, 1, ['_id_'], false, false, false, null),
  // 8.0 EXPRESS_IXSCAN names a_1_b_1 (keyPattern printed as a string)
  'express_index_scan.json': E(1, 0, 1, 1, ['a_1_b_1'], false, false, false, null),
  // 3.2 IDHACK: the _id_ index
  'idhack_stage_3.2.json': E(0, 1, 0, 0, ['_id_'], false, false, false, null),
  // 5.3 split pipeline, 2 shards: shard2 0/2ms/0/0, shard1 485/26ms/719/490; merger prints nothing
  'multi-shard-aggregate-with-stages.json': E(null, 26, 719, 490, ['address_location'], false, false, false, 2),
  // 5.3 SBE, 2 shards: shard2 13 ms/0/0, shard1 37 ms/0 keys/5555 docs; COLLSCAN
  'multi-shard-aggregate-without-stages.json': E(null, 37, 0, 5555, [], true, false, false, 2),
  // 5.3 unsplit pipeline on shard2: $cursor 2 ms/0/6, last stage $lookup nReturned 6
  'sharded_aggregate_$lookup_with_indexes.json': E(6, 2, 0, 6, [], true, false, false, 1),
  // 3.2 mongos executionStats: 1138 / 2961 / 203214 / 46294 over 3 shards
  'sharded_geo_query_3.2.json': E(1138, 2961, 203214, 46294, ['last_login_-1', 'last_login_1_last_position_2dsphere'], false, false, false, 3),
  // 3.2 mongos: 22528 / 260 / 15485 / 330552; shard01 COLLSCAN, shard02/03 age_1
  'sharded_mixed_index_3.2.json': E(22528, 260, 15485, 330552, ['age_1'], true, false, false, 3),
  // 3.2 SINGLE_SHARD with IDHACK: 0 / 4 ms / 0 / 0
  'sharded_single_index_3.2.json': E(0, 4, 0, 0, ['_id_'], false, false, false, 1),
  'simple_collscan_3.2.json': E(1000000, 188, 0, 1000000, [], true, false, false, null),
  'simple_index_3.2.json': E(191665, 135, 191665, 191665, ['age_1'], false, false, false, null),
  // 5.3 unsplit pipeline on shard1: $geoNearCursor 12 ms/719/490, $group, $sort (nReturned 422, in memory)
  'single-shard-aggregate-with-stages.json': E(422, 12, 719, 490, ['address_location'], false, true, false, 1),
  // 5.3 SBE, pipeline fully pushed down on shard1: 20 / 0 ms / 0 / 581; COLLSCAN
  'single-shard-aggregate-without-stages.json': E(20, 0, 0, 581, [], true, false, false, 1),
  // 3.2 SKIP/PROJECTION/SORT over FETCH+IXSCAN: 9 / 495 / 191665 / 191665; SORT in memory
  'sort_skip_limit_index_3.2.json': E(9, 495, 191665, 191665, ['age_1'], false, true, false, null),
};

function load(file: string): { raw: unknown; model: PlanModel } {
  const text = readFileSync(path.join(COMPASS, file), 'utf8');
  const value = parseExplainText(text);
  return { raw: JSON.parse(text), model: normalizeExplain(value) };
}

/** Every stage name the raw file contains: `stage` values and pipeline `$stage` keys. */
function rawStageNames(raw: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(raw)) for (const x of raw) rawStageNames(x, out);
  else if (raw !== null && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) {
      if (k === 'stage' && typeof v === 'string') out.add(v);
      if (k === 'stages' && Array.isArray(v)) for (const st of v) if (st && typeof st === 'object') for (const sk of Object.keys(st)) if (sk.startsWith('$')) out.add(sk);
      if (k === 'mergerPart' && Array.isArray(v)) for (const st of v) if (st && typeof st === 'object') for (const sk of Object.keys(st)) if (sk.startsWith('$')) out.add(sk);
      rawStageNames(v, out);
    }
  }
  return out;
}

function modelStageNames(m: PlanModel): Set<string> {
  const out = new Set<string>();
  const add = (n: PlanNode) => void out.add(n.stage);
  forEachNode(m.root, add);
  for (const l of m.queryLayers) {
    for (const r of l.rejectedPlans) forEachNode(r.root, add);
    if (l.sbe) forEachNode(l.sbe.root, add);
  }
  return out;
}

describe.skipIf(!haveCompass)('explain corpus: Compass fixtures 3.2 → 8.0', () => {
  it('the table covers every file in the fixture folder', () => {
    const files = readdirSync(COMPASS).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(TABLE).sort());
    expect(files.length).toBe(23);
  });

  for (const [file, want] of Object.entries(TABLE)) {
    it(`${file}: summary numbers match the raw JSON (FUZZ-4 inputs, real data)`, () => {
      const { model } = load(file);
      const s = summarize(model);
      expect({
        nReturned: s.nReturned,
        executionTimeMillis: s.executionTimeMillis,
        totalKeysExamined: s.totalKeysExamined,
        totalDocsExamined: s.totalDocsExamined,
        indexesUsed: s.indexesUsed,
        collectionScan: s.collectionScan,
        inMemorySort: s.inMemorySort,
        covered: s.covered,
        shards: s.shards,
      }).toEqual(want);
    });

    it(`${file}: every stage is read, none unknown, and the model is valid against its schema`, () => {
      const { raw, model } = load(file);
      expect(model.unknownStages).toEqual([]);
      expect(model.warnings).toEqual([]);
      const have = modelStageNames(model);
      for (const name of rawStageNames(raw)) expect(have, `${file} lost stage ${name}`).toContain(name);
      // Paths are unique: the tree view and findings address nodes by them.
      const paths: string[] = [];
      forEachNode(model.root, (n) => void paths.push(n.path));
      expect(new Set(paths).size).toBe(paths.length);
      expect(PlanModel.safeParse(JSON.parse(JSON.stringify(model))).success).toBe(true);
    });
  }

  it('maps slot-based engine numbers onto the query plan by planNodeId (count_scan, 8.0)', () => {
    const { model } = load('count_scan.json');
    const layer = model.queryLayers[0]!;
    expect(layer.engine).toBe('sbe');
    expect(layer.sbe?.root.stage).toBe('project');
    const scan = findByStage(model.root, 'COUNT_SCAN')!;
    expect(scan.stats).toMatchObject({ nReturned: 2, keysExamined: 2 });
    expect(scan.index).toMatchObject({ name: 'a_1', keyPattern: { a: 1 } });
    expect(findByStage(model.root, 'GROUP')!.stats.nReturned).toBe(1);
    expect(layer.planCache).toMatchObject({ queryHash: 'E9070EFA', planCacheKey: '0005D496', isCached: false });
  });

  it('SBE FETCH takes the seek stage reads as documents examined ($cursor_sbe, 5.3)', () => {
    const { model } = load('aggregate_$cursor_sbe.json');
    expect(findByStage(model.root, 'FETCH')!.stats).toMatchObject({ nReturned: 6, docsExamined: 6 });
    expect(findByStage(model.root, 'IXSCAN')!.stats).toMatchObject({ keysExamined: 479 });
  });

  it("reads 8.0 EXPRESS_IXSCAN's keyPattern string and names IDHACK and clustered scans as _id_", () => {
    expect(findByStage(load('express_index_scan.json').model.root, 'EXPRESS_IXSCAN')!.index).toMatchObject({ name: 'a_1_b_1', keyPattern: { a: 1, b: 1 }, implied: false });
    expect(findByStage(load('idhack_stage_3.2.json').model.root, 'IDHACK')!.index).toMatchObject({ name: '_id_', keyPattern: { _id: 1 }, implied: true });
    expect(findByStage(load('clustered_scan.json').model.root, 'CLUSTERED_IXSCAN')!.index).toMatchObject({ name: '_id_', implied: true });
  });

  it('keeps per-shard plans, rejected plans and their allPlansExecution trials (sharded_geo_query, 3.2)', () => {
    const { model } = load('sharded_geo_query_3.2.json');
    expect(model.root.stage).toBe('SHARD_MERGE');
    expect(model.root.children.map((c) => c.path)).toEqual([
      'SHARD_MERGE/shard01:SHARDING_FILTER',
      'SHARD_MERGE/shard02:SHARDING_FILTER',
      'SHARD_MERGE/shard03:SHARDING_FILTER',
    ]);
    expect(model.verbosity).toBe('allPlansExecution');
    expect(model.queryLayers).toHaveLength(3);
    for (const l of model.queryLayers) {
      expect(l.rejectedPlans).toHaveLength(2);
      // 3 candidates per shard: each rejected plan and the winner got their trial numbers.
      for (const r of l.rejectedPlans) expect(r.trial).not.toBeNull();
      expect(l.winningTrial).not.toBeNull();
      expect(l.unmatchedTrials).toEqual([]);
    }
    // raw allPlansExecution[3] (shard01): last_login_-1 (the winner) 101 returned / 17657 docs;
    // last_login_1_membership_status_1 95 / 16282; last_login_1_last_position_2dsphere 95 / 146
    const s1 = model.queryLayers[0]!;
    expect(s1.winningTrial).toMatchObject({ nReturned: 101, totalDocsExamined: 17657, executionTimeMillisEstimate: 670 });
    const byIndex = Object.fromEntries(s1.rejectedPlans.map((r) => [findByStage(r.root, 'IXSCAN')!.index!.name, r.trial?.totalDocsExamined]));
    expect(byIndex).toEqual({ last_login_1_membership_status_1: 16282, last_login_1_last_position_2dsphere: 146 });
    expect(model.shards!.map((s) => [s.name, s.host])).toEqual([
      ['shard01', 'Groot.local:27051'],
      ['shard02', 'Groot.local:27052'],
      ['shard03', 'Groot.local:27053'],
    ]);
  });

  it('builds the sharded pipeline tree: merger stages above $mergeCursors above each shard', () => {
    const { model } = load('multi-shard-aggregate-without-stages.json');
    expect(model.root.path).toBe('$unwind');
    expect(model.mergeType).toBe('anyShard');
    expect(model.pipelineNotSplit).toBe(false);
    const merge = findByStage(model.root, '$mergeCursors')!;
    expect(merge.children.map((c) => c.path)).toEqual(['$unwind/$group/$mergeCursors/shard2:GROUP', '$unwind/$group/$mergeCursors/shard1:GROUP']);
    // SBE numbers mapped onto the shard's query plan
    expect(findNode('$unwind/$group/$mergeCursors/shard1:GROUP/SHARDING_FILTER/COLLSCAN', model)!.stats.docsExamined).toBe(5555);
  });

  it('marks the node Baleen adds above an unsplit sharded pipeline as synthetic', () => {
    const { model } = load('single-shard-aggregate-with-stages.json');
    expect(model.root).toMatchObject({ stage: 'SINGLE_SHARD', origin: 'synthetic' });
    expect(model.pipelineNotSplit).toBe(true);
    expect(summarize(model).sortSpilled).toBe(false);
  });

  it('reads the plan cache identity and leaves every number null for queryPlanner verbosity ($out, 4.4)', () => {
    const { model } = load('aggregate_$out.json');
    const s = summarize(model);
    expect(s.verbosity).toBe('queryPlanner');
    expect(s.planCache).toMatchObject({ queryHash: '0E6EBCF3', planCacheKey: 'B04F8F0E' });
    expect([s.queryNReturned, s.keysExaminedPerReturned, s.docsExaminedPerReturned]).toEqual([null, null, null]);
    expect(s.indexes[0]).toMatchObject({ name: 'status_code_1', keyPattern: { status_code: 1 }, bounds: { status_code: ['["C", "C"]'] } });
  });
});

describe.skipIf(!haveCompass)('explain findings on real plans', () => {
  const codes = (file: string, opts = {}) =>
    findings(load(file).model, opts).map((f) => `${f.severity} ${f.code} @ ${f.stagePath}`);

  it('a million-document collection scan is critical (simple_collscan_3.2)', () => {
    expect(codes('simple_collscan_3.2.json')).toEqual(['critical COLLSCAN @ COLLSCAN']);
  });

  it('a healthy index scan and a covered query give no findings', () => {
    expect(codes('simple_index_3.2.json')).toEqual([]);
    expect(codes('covered_index_3.2.json')).toEqual([]);
    expect(codes('express_index_scan.json')).toEqual([]);
  });

  it('an in-memory SORT over a wide index range (sort_skip_limit_index_3.2)', () => {
    expect(codes('sort_skip_limit_index_3.2.json')).toEqual([
      'warning IN_MEMORY_SORT @ SKIP/PROJECTION/SORT',
      'critical EXAMINED_RATIO @ SKIP/PROJECTION/SORT/KEEP_MUTATIONS/SORT_KEY_GENERATOR/FETCH/IXSCAN',
      'critical EXAMINED_RATIO @ SKIP/PROJECTION/SORT/KEEP_MUTATIONS/SORT_KEY_GENERATOR/FETCH',
    ]);
  });

  it('FETCH dropping 99% of what the index found, only on the shard where it happens; scatter-gather (sharded_geo_query_3.2)', () => {
    const all = codes('sharded_geo_query_3.2.json');
    expect(all).toContain('warning FETCH_FILTER @ SHARD_MERGE/shard01:SHARDING_FILTER/FETCH');
    expect(all.filter((c) => c.includes('FETCH_FILTER'))).toHaveLength(1);
    expect(all).toContain('warning SCATTER_GATHER @ SHARD_MERGE');
    // told the cluster has 5 shards, 3 of them is not scatter-gather
    expect(codes('sharded_geo_query_3.2.json', { totalShards: 5 }).some((c) => c.includes('SCATTER_GATHER'))).toBe(false);
  });

  it('a collection scan on one shard of three (sharded_mixed_index_3.2)', () => {
    const all = codes('sharded_mixed_index_3.2.json');
    expect(all).toContain('critical COLLSCAN @ SHARD_MERGE/shard01:SHARDING_FILTER/COLLSCAN');
    expect(all).toContain('warning EXAMINED_RATIO @ SHARD_MERGE/shard01:SHARDING_FILTER/COLLSCAN');
  });

  it('$lookup: no finding when the server says it used an index; advice when it does not say', () => {
    expect(codes('aggregate_$lookup_with_indexes.json')).toEqual([]);
    expect(codes('sharded_aggregate_$lookup_with_indexes.json')).toEqual([]);
    const f = findings(load('aggregate_collscan.json').model);
    expect(f.map((x) => `${x.severity} ${x.code} @ ${x.stagePath}`)).toEqual(['info LOOKUP_NO_INDEX @ $lookup', 'info MATCH_NOT_FIRST @ $lookup/$match']);
    expect(f[1]!.message).toMatch(/\$limit/);
  });

  it('a pipeline $sort straight after $cursor could use an index; one after $group cannot', () => {
    expect(codes('aggregate_stages_with_no_time.json')).toEqual(['critical COLLSCAN @ $sort/$cursor/COLLSCAN', 'warning IN_MEMORY_SORT @ $sort']);
    expect(codes('single-shard-aggregate-with-stages.json')).toEqual(['info IN_MEMORY_SORT @ SINGLE_SHARD/shard1:$sort']);
  });

  it('a $group pushed down does not count as wasteful reading (multi-shard-aggregate-without-stages)', () => {
    const { model } = load('multi-shard-aggregate-without-stages.json');
    expect(summarize(model).queryNReturned).toBe(5555);
    expect(codes('multi-shard-aggregate-without-stages.json')).toEqual(['warning SCATTER_GATHER @ $unwind']);
  });
});

describe.skipIf(!havePercona)('explain corpus: percona-toolkit explain_* files (extra inputs, no crash)', () => {
  const files = havePercona ? readdirSync(PERCONA).filter((f) => f.startsWith('explain_')) : [];

  it('finds the 14 files', () => {
    expect(files.length).toBe(14);
  });

  for (const f of files) {
    it(`${f}: read (text or BSON), then refused with a typed error: it is a system.profile document`, async () => {
      const value = await readExplainFile(path.join(PERCONA, f));
      let err: unknown;
      try {
        normalizeExplain(value);
      } catch (e) {
        err = e;
      }
      expect(isBaleenError(err)).toBe(true);
      expect(err).toMatchObject({ code: 'E_PARSE', message: expect.stringMatching(/system\.profile/) });
    });
  }
});

function findByStage(root: PlanNode, stage: string): PlanNode | null {
  let hit: PlanNode | null = null;
  forEachNode(root, (n) => {
    if (hit === null && n.stage === stage) hit = n;
  });
  return hit;
}

function findNode(p: string, m: PlanModel): PlanNode | null {
  let hit: PlanNode | null = null;
  forEachNode(m.root, (n) => {
    if (n.path === p) hit = n;
  });
  return hit;
}
