// FUZZ-4 (RELIABILITY.md): explain input is untrusted. Whatever the text, parseExplainText and the
// whole explain pipeline (normalise → summary → findings → advice → text) return a result or throw a
// BaleenError; nothing else escapes, each input stays inside its time budget, and the prototypes are
// untouched. Counterexamples are saved under test/fuzz-regressions/explain/ and replayed on every run.
// Scale the runs with FUZZ_RUNS_SCALE=10 for a longer session.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isBaleenError } from '../../src-shared/domain/errors';
import { buildExplainReport, costliestPath, formatExplainReport, normalizeExplain, parseExplainText, planSignature, planSummaryText, type JsonValue } from '../../src-main/core/explain';

const REGRESSIONS = path.resolve(process.cwd(), 'test/fuzz-regressions/explain');
const CORPUS = path.resolve(process.cwd(), '../shared/corpus');
const COMPASS = path.join(CORPUS, 'compass/packages/explain-plan-helper/test/fixtures');
const SCALE = Math.max(1, Number(process.env.FUZZ_RUNS_SCALE ?? 1) || 1);
const runs = (n: number) => Math.round(n * SCALE);

type Target = 'parse' | 'pipeline';

const protoBefore = {
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
};

/** Budget per FUZZ criterion (b): 50 ms per KiB, capped at 1 s; a 250 ms floor absorbs GC pauses on a shared CI box. */
function budgetMs(text: string): number {
  return Math.min(1000, Math.max(250, (50 * text.length) / 1024));
}

/** Run the product on one input; only a BaleenError may escape. */
function runOnce(target: Target, text: string): { outcome: 'ok' | 'typed-error'; parsed: JsonValue | undefined; ms: number } {
  const t0 = performance.now();
  let outcome: 'ok' | 'typed-error' = 'ok';
  let parsed: JsonValue | undefined;
  try {
    parsed = parseExplainText(text);
    if (target === 'pipeline') {
      const model = normalizeExplain(parsed);
      const report = buildExplainReport(model);
      formatExplainReport(report);
      // What the console adds on the same model: the costliest path, the plan's signature and summary.
      costliestPath(model.root);
      planSignature(model);
      planSummaryText(model);
      JSON.stringify(report);
    }
  } catch (e) {
    if (!isBaleenError(e)) throw e;
    outcome = 'typed-error';
  }
  return { outcome, parsed, ms: performance.now() - t0 };
}

/** Run one input; returns what happened, throws only if the contract is broken. */
function checkText(target: Target, text: string): 'ok' | 'typed-error' {
  let r = runOnce(target, text);
  // Over budget once can be a GC pause on a loaded box; slow code is slow again.
  if (r.ms > budgetMs(text)) r = runOnce(target, text);
  if (r.ms > budgetMs(text)) throw new Error(`took ${r.ms.toFixed(0)} ms for ${text.length} chars (budget ${budgetMs(text).toFixed(0)} ms)`);
  // Outside the timed part: the parsed value must survive a JSON round trip unchanged (plain, serialisable, finite).
  if (r.parsed !== undefined && text.length < 100_000) expect(JSON.parse(JSON.stringify(r.parsed))).toEqual(r.parsed);
  return r.outcome;
}

/**
 * fc.check, and on failure print seed and path, save the counterexample, then fail.
 * Returns the share of inputs that produced a result, so a suite can show it reached past the parser.
 */
function fuzz(name: string, target: Target, arb: fc.Arbitrary<string>, numRuns: number): number {
  let ok = 0;
  let total = 0;
  const details = fc.check(
    fc.property(arb, (text) => {
      total++;
      if (checkText(target, text) === 'ok') ok++;
    }),
    { numRuns },
  );
  if (!details.failed) {
    console.info(`FUZZ-4 ${name}: ${total} inputs, ${ok} gave a result, the rest a typed error`);
    return ok / Math.max(total, 1);
  }
  const input = details.counterexample?.[0];
  mkdirSync(REGRESSIONS, { recursive: true });
  const file = path.join(REGRESSIONS, `${name}-${details.seed}.json`);
  writeFileSync(
    file,
    JSON.stringify({ target, name, seed: details.seed, path: details.counterexamplePath, error: String(details.errorInstance), input }, null, 2) + '\n',
  );
  console.error(`FUZZ-4 ${name}: failed with seed=${details.seed} path=${details.counterexamplePath}; counterexample saved to ${file}`);
  throw new Error(fc.defaultReportMessage(details) ?? `${name} failed`);
}

const mongoshInspect = (v: unknown) => inspect(v, { depth: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity, breakLength: 80 });

/** JSON values without `$`-keys (wrappers change meaning by design), without the keys Baleen drops, and -0 read as 0. */
function strip(v: unknown): JsonValue {
  if (typeof v === 'number' && v === 0) return 0;
  if (Array.isArray(v)) return v.map(strip);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) if (!k.startsWith('$') && !['__proto__', 'constructor', 'prototype'].includes(k)) out[k] = strip(x);
    return out;
  }
  return v as JsonValue;
}

const plainJson = fc.jsonValue({ maxDepth: 6 }).map(strip);

// ---- plausible explain shapes, to drive the normaliser down its branches with odd values

const stageNames = fc.oneof(
  fc.constantFrom(
    'COLLSCAN', 'IXSCAN', 'FETCH', 'SORT', 'SHARDING_FILTER', 'OR', 'SORT_MERGE', 'IDHACK', 'EXPRESS_IXSCAN', 'CLUSTERED_IXSCAN',
    'GROUP', 'COUNT_SCAN', 'TEXT_OR', 'GEO_NEAR_2DSPHERE', 'EQ_LOOKUP', 'LIMIT', 'SKIP', 'PROJECTION_COVERED', 'scan', 'ixseek', 'nlj',
    'project', 'SHARD_MERGE',
  ),
  fc.string({ maxLength: 10 }),
);
const odd = fc.oneof(fc.nat(2_000_000), fc.double(), fc.constant(null), fc.string({ maxLength: 6 }), fc.constant({ $numberLong: '5' }), fc.jsonValue({ maxDepth: 1 }));
const keyPattern = fc.oneof(
  fc.constantFrom('{ a: 1, b: -1 }', '{ broken', ''),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.constantFrom(1, -1, '2dsphere', 'hashed'), odd), { maxKeys: 3 }),
);
const filterArb = fc.oneof(
  fc.dictionary(
    fc.oneof(fc.constantFrom('a', 'b', 'c.d', '$and', '$or', '$expr', '_id'), fc.string({ maxLength: 3 })),
    fc.oneof(
      odd,
      fc.record({ $gt: odd }),
      fc.record({ $in: fc.array(odd, { maxLength: 3 }) }),
      fc.record({ $eq: odd }),
      fc.array(fc.record({ a: odd }), { maxLength: 2 }),
    ),
    { maxKeys: 4 },
  ),
  odd,
);
const { stage } = fc.letrec<{ stage: Record<string, unknown> }>((tie) => ({
  stage: fc.record(
    {
      stage: stageNames,
      nReturned: odd,
      keysExamined: odd,
      docsExamined: odd,
      executionTimeMillisEstimate: odd,
      indexName: fc.string({ maxLength: 6 }),
      keyPattern,
      filter: filterArb,
      sortPattern: fc.dictionary(fc.string({ maxLength: 3 }), odd, { maxKeys: 2 }),
      planNodeId: fc.nat(4),
      usedDisk: fc.boolean(),
      strategy: fc.constantFrom('NestedLoopJoin', 'IndexedLoopJoin', 'HashJoin'),
      inputStage: fc.oneof({ depthSize: 'small' }, fc.constant(null), tie('stage')),
      inputStages: fc.oneof({ depthSize: 'small' }, fc.constant([]), fc.array(tie('stage'), { maxLength: 3 })),
    },
    { requiredKeys: ['stage'] },
  ),
}));
const execStats = fc.record(
  { nReturned: odd, executionTimeMillis: odd, totalKeysExamined: odd, totalDocsExamined: odd, executionStages: stage, allPlansExecution: fc.array(fc.oneof(fc.constant(null), fc.record({ executionStages: stage, nReturned: odd })), { maxLength: 3 }), executionSuccess: fc.boolean() },
  { requiredKeys: [] },
);
const queryPlanner = fc.record(
  {
    namespace: fc.string({ maxLength: 8 }),
    parsedQuery: filterArb,
    queryHash: odd,
    winningPlan: fc.oneof(stage, fc.record({ queryPlan: stage, slotBasedPlan: fc.record({ stages: odd }) })),
    rejectedPlans: fc.array(fc.oneof(stage, odd), { maxLength: 2 }),
  },
  { requiredKeys: ['winningPlan'] },
);
const findDoc = fc.record({ queryPlanner, executionStats: execStats, command: fc.record({ find: fc.string({ maxLength: 4 }), filter: filterArb, sort: odd }, { requiredKeys: [] }) }, { requiredKeys: ['queryPlanner'] });
const pipelineStage = fc.oneof(
  findDoc.map((d) => ({ $cursor: d })),
  filterArb.map((f) => ({ $match: f, nReturned: 1 })),
  fc.record({ $sort: fc.record({ sortKey: fc.dictionary(fc.string({ maxLength: 3 }), odd, { maxKeys: 2 }) }), usedDisk: odd }),
  fc.record({ $lookup: fc.record({ from: odd, as: odd, localField: odd, foreignField: odd }, { requiredKeys: [] }), collectionScans: odd, totalDocsExamined: odd }),
  fc.record({ $unwind: odd }),
  fc.record({ $limit: odd }),
  fc.record({ $strangeStage: odd }),
  fc.constant({}),
);
const aggDoc = fc.record({
  stages: fc.array(pipelineStage, { maxLength: 5 }),
  command: fc.record({ aggregate: odd, pipeline: fc.array(fc.oneof(filterArb.map((f) => ({ $match: f })), pipelineStage), { maxLength: 4 }) }, { requiredKeys: [] }),
});
const shardedFind = fc.record({
  queryPlanner: fc.record({ winningPlan: fc.record({ stage: fc.constantFrom('SHARD_MERGE', 'SINGLE_SHARD', 'SOMETHING'), shards: fc.array(fc.record({ shardName: fc.constantFrom('s0', 's1', 's2'), winningPlan: stage, parsedQuery: filterArb }), { maxLength: 3 }) }) }),
  executionStats: fc.record({ nReturned: odd, executionStages: fc.record({ stage: fc.constant('SHARD_MERGE'), shards: fc.array(fc.record({ shardName: fc.constantFrom('s0', 's1', 's3'), executionStages: stage }), { maxLength: 3 }) }) }, { requiredKeys: [] }),
});
const shardedAgg = fc.record({
  shards: fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.oneof(findDoc, aggDoc, odd), { maxKeys: 3 }),
  splitPipeline: fc.oneof(fc.constant(null), fc.record({ shardsPart: fc.array(pipelineStage, { maxLength: 2 }), mergerPart: fc.array(pipelineStage, { maxLength: 3 }) })),
  mergeType: odd,
});
/** FerretDB's answer: its backend's plan (SQLite lines or a PostgreSQL JSON plan) and pushdown flags. */
const ferretLine = fc.oneof(
  fc.constantFrom('SCAN orders_1', 'SEARCH orders_1 USING INDEX orders_1_a (a=?)', 'SEARCH t USING INTEGER PRIMARY KEY (rowid=?)', 'USE TEMP B-TREE FOR ORDER BY'),
  fc.string({ maxLength: 30 }),
);
const ferretDoc = fc.record(
  {
    queryPlanner: fc.record({
      Plan: fc.oneof(
        fc.array(fc.oneof(ferretLine.map((d) => `id=2 parent=0 notused=0 detail=${d}`), odd), { maxLength: 4 }),
        fc.record({ 'Node Type': fc.constantFrom('Seq Scan', 'Index Scan', 'Sort', 'Limit'), 'Index Name': odd, Plans: fc.array(fc.record({ 'Node Type': fc.constantFrom('Seq Scan', 'Index Scan'), Plans: odd }), { maxLength: 2 }) }, { requiredKeys: [] }),
        odd,
      ),
    }),
    command: fc.record({ find: odd, aggregate: odd, filter: filterArb, sort: odd, limit: odd, pipeline: fc.array(fc.oneof(filterArb.map((f) => ({ $match: f })), pipelineStage), { maxLength: 3 }), deletes: odd, $db: odd }, { requiredKeys: [] }),
    serverInfo: fc.record({ version: odd, ferretdbVersion: odd }, { requiredKeys: [] }),
    filterPushdown: odd,
    sortPushdown: odd,
    limitPushdown: odd,
  },
  { requiredKeys: ['queryPlanner'] },
);
const explainShapes = fc.oneof(findDoc, aggDoc, shardedFind, shardedAgg, ferretDoc);

// ---- mutations of real explain text

const BUILTIN_SEED = `{ explainVersion: '1', queryPlanner: { namespace: 'db.c', parsedQuery: { a: { '$eq': 1 } },
  winningPlan: { stage: 'FETCH', filter: { b: { '$gt': 2 } }, inputStage: { stage: 'IXSCAN', keyPattern: { a: 1 }, indexName: 'a_1', indexBounds: { a: [ '[1, 1]' ] } } },
  rejectedPlans: [ { stage: 'COLLSCAN' } ] },
  executionStats: { nReturned: 3, executionTimeMillis: 1, totalKeysExamined: NumberLong(40), totalDocsExamined: 40,
  executionStages: { stage: 'FETCH', nReturned: 3, docsExamined: 40, filter: { b: { '$gt': 2 } }, inputStage: { stage: 'IXSCAN', nReturned: 40, keysExamined: 40, keyPattern: { a: 1 }, indexName: 'a_1' } } },
  command: { find: 'c', filter: { a: 1, b: { '$gt': 2 } }, sort: { c: -1 }, '$db': 'db' }, ok: 1 }`;

function seeds(): string[] {
  const out = [BUILTIN_SEED];
  if (existsSync(COMPASS)) {
    for (const f of ['simple_index_3.2.json', 'count_scan.json', 'sharded_mixed_index_3.2.json', 'aggregate_collscan.json', 'single-shard-aggregate-without-stages.json']) {
      const p = path.join(COMPASS, f);
      if (existsSync(p)) out.push(readFileSync(p, 'utf8'));
    }
  }
  return out;
}

const TOKENS = ['{', '}', '[', ']', '"', "'", ':', ',', 'NumberLong(', 'ISODate("', '"__proto__"', '\\', '/*', '//', '\n', '1e999', '-', '[Object]', '... 3 more items', '$numberLong', 'Timestamp(', '/', '`', '\u0000', '\ud800'];

const VALUES = ['null', '"x"', '-1', '0', '1e999', '{}', '[]', '{"$numberLong": "x"}', '"COLLSCAN"', '"SORT"', '"$lookup"', '[{"stage": "WHAT"}]', '{"stage": "IXSCAN"}', 'true', '"__proto__"'];

function mutated(seedTexts: string[]): fc.Arbitrary<string> {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.nat(20) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), tok: fc.constantFrom(...TOKENS) }),
    fc.record({ kind: fc.constant('dup' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.nat(200) }),
    // These keep the text readable, so the normaliser (not just the parser) meets odd values.
    fc.record({ kind: fc.constant('value' as const), nth: fc.nat(400), tok: fc.constantFrom(...VALUES) }),
    fc.record({ kind: fc.constant('value' as const), nth: fc.nat(400), tok: fc.constantFrom(...VALUES) }),
    fc.record({ kind: fc.constant('value' as const), nth: fc.nat(400), tok: fc.constantFrom(...VALUES) }),
  );
  return fc.tuple(fc.nat(seedTexts.length - 1), fc.array(op, { minLength: 1, maxLength: 4 })).map(([i, ops]) => {
    let s = seedTexts[i]!;
    for (const o of ops) {
      const at = 'at' in o ? Math.floor(o.at * s.length) : 0;
      if (o.kind === 'truncate') s = s.slice(0, at);
      else if (o.kind === 'delete') s = s.slice(0, at) + s.slice(at + o.len);
      else if (o.kind === 'insert') s = s.slice(0, at) + o.tok + s.slice(at);
      else if (o.kind === 'dup') s = s.slice(0, at) + s.slice(at, at + o.len) + s.slice(at);
      else {
        // Replace the nth value after a colon (a number, a string or a literal) with an odd one.
        const re = /:\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?[\d.]+(?:[eE][+-]?\d+)?|true|false|null)/g;
        const hits = [...s.matchAll(re)];
        const h = hits.length ? hits[o.nth % hits.length]! : null;
        if (h && h.index !== undefined) s = `${s.slice(0, h.index)}: ${o.tok}${s.slice(h.index + h[0].length)}`;
      }
    }
    return s;
  });
}

describe('FUZZ-4: explain input never escapes as anything but a typed error', () => {
  it('replays every saved counterexample', () => {
    const files = existsSync(REGRESSIONS) ? readdirSync(REGRESSIONS).filter((f) => f.endsWith('.json')) : [];
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const c = JSON.parse(readFileSync(path.join(REGRESSIONS, f), 'utf8')) as { target: Target; input: string; expect?: 'ok' | 'typed-error' };
      const outcome = checkText(c.target, c.input);
      if (c.expect) expect(outcome, f).toBe(c.expect);
    }
  });

  it('any JSON value: the text parser returns exactly what JSON.parse does', () => {
    fc.assert(
      fc.property(plainJson, (v) => {
        const text = JSON.stringify(v);
        expect(parseExplainText(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: runs(300) },
    );
  });

  it('any JSON value printed the way mongosh prints it reads back to the same value', () => {
    fc.assert(
      fc.property(plainJson, (v) => {
        expect(parseExplainText(mongoshInspect(v))).toEqual(v);
      }),
      { numRuns: runs(300) },
    );
  });

  it('anything util.inspect can print (Maps, BigInt, typed arrays, sparse arrays …)', () => {
    fuzz('inspect-anything', 'parse', fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true, withObjectString: true }).map(mongoshInspect), runs(300));
  });

  it('mutated real explain output through the whole pipeline', () => {
    const reached = fuzz('mutated-explain', 'pipeline', mutated(seeds()), runs(400));
    expect(reached).toBeGreaterThan(0.05);
  });

  it('explain-shaped documents with odd values through the whole pipeline', () => {
    expect(fuzz('explain-shapes', 'pipeline', explainShapes.map((d) => JSON.stringify(d)), runs(400))).toBeGreaterThan(0.3);
    // fast-check builds null-prototype objects; mongosh prints driver documents, which are plain.
    expect(fuzz('explain-shapes-shell', 'pipeline', explainShapes.map((d) => mongoshInspect(JSON.parse(JSON.stringify(d)))), runs(150))).toBeGreaterThan(0.3);
  });

  it('bombs: depth, huge numbers, -0, NaN strings, a million elements, prototype keys', () => {
    const bombs: Array<[string, 'ok' | 'typed-error']> = [
      ['['.repeat(100_000), 'typed-error'],
      ['{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000), 'typed-error'],
      ['{"queryPlanner": {"winningPlan": {"stage": "COLLSCAN", "nReturned": 1e308, "docsExamined": -1e309}}}', 'ok'],
      ['{"queryPlanner": {"winningPlan": {"stage": "COLLSCAN", "docsExamined": -0}}, "executionStats": {"totalDocsExamined": "NaN", "nReturned": -0}}', 'ok'],
      [`{"queryPlanner": {"winningPlan": {"stage": "OR", "inputStages": [${'{"stage":"IXSCAN","indexName":"a_1"},'.repeat(20_000)}{"stage":"IXSCAN"}]}}}`, 'ok'],
      [`{"stages": [${'{"$match": {}},'.repeat(999)}{"$limit": 1}]}`, 'ok'],
      [`{"stages": [${'{"$match": {}},'.repeat(5_000)}{"$limit": 1}]}`, 'typed-error'],
      [`{"shards": {"a": {"stages": [{"$limit": 1}]}}, "splitPipeline": {"mergerPart": [${'{"$match": {}},'.repeat(1_000)}{"$limit": 1}]}}`, 'typed-error'],
      ['{"__proto__": {"queryPlanner": 1}, "constructor": {"prototype": {"x": 1}}, "queryPlanner": {"winningPlan": {"stage": "IDHACK", "__proto__": {"stage": "x"}}}}', 'ok'],
      [`[${'0,'.repeat(999_999)}0]`, 'typed-error'],
    ];
    for (const [text, want] of bombs) expect(checkText('pipeline', text)).toBe(want);
  });
});

afterAll(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore.object);
  expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(protoBefore.array);
  expect(({} as Record<string, unknown>).x).toBeUndefined();
});
