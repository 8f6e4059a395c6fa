// `baleen explain FILE [--json]`: the JSON shape the lead asked for, the human report, and typed
// failures for bad input. Runs on crafted files (always) and on real corpus files (when present).
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serialize } from '../../src-main/core/bson/bson';
import { describe, expect, it } from 'vitest';
import { runBaleen } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

const CORPUS = path.resolve(process.cwd(), '../shared/corpus');
const COMPASS = path.join(CORPUS, 'compass/packages/explain-plan-helper/test/fixtures');
const PERCONA = path.join(CORPUS, 'percona-toolkit/src/go/tests/doc/out');
if (!existsSync(COMPASS)) console.warn(`explain-cli: ${COMPASS} not found; the corpus cases are skipped.`);

const dir = tempDir('baleen-explain-cli-');

const EXPLAIN = {
  explainVersion: '1',
  queryPlanner: {
    namespace: 'shop.orders',
    parsedQuery: { $and: [{ status: { $eq: 'A' } }, { qty: { $gt: 5 } }] },
    queryHash: 'ABCD1234',
    planCacheKey: 'EF567890',
    winningPlan: { stage: 'SORT', sortPattern: { date: -1 }, inputStage: { stage: 'FETCH', filter: { qty: { $gt: 5 } }, inputStage: { stage: 'IXSCAN', indexName: 'status_1', keyPattern: { status: 1 }, indexBounds: { status: ['["A", "A"]'] } } } },
    rejectedPlans: [],
  },
  executionStats: {
    nReturned: 40,
    executionTimeMillis: 120,
    totalKeysExamined: 20_000,
    totalDocsExamined: 20_000,
    executionStages: {
      stage: 'SORT',
      nReturned: 40,
      sortPattern: { date: -1 },
      memUsage: 4096,
      inputStage: {
        stage: 'FETCH',
        nReturned: 40,
        docsExamined: 20_000,
        filter: { qty: { $gt: 5 } },
        inputStage: { stage: 'IXSCAN', nReturned: 20_000, keysExamined: 20_000, indexName: 'status_1', keyPattern: { status: 1 }, indexBounds: { status: ['["A", "A"]'] } },
      },
    },
  },
  command: { find: 'orders', filter: { status: 'A', qty: { $gt: 5 } }, sort: { date: -1 }, $db: 'shop' },
  ok: 1,
};

function write(name: string, content: string | Uint8Array): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

interface StageJson {
  stage: string;
  children: StageJson[];
}

function checkStageTree(t: StageJson): number {
  expect(typeof t.stage).toBe('string');
  expect(Array.isArray(t.children)).toBe(true);
  return 1 + t.children.reduce((a, c) => a + checkStageTree(c), 0);
}

/** The contract of `--json`: summary fields and types, a {stage, children} tree, findings, advice. */
function checkShape(out: Record<string, unknown>): void {
  const s = out.summary as Record<string, unknown>;
  for (const k of ['nReturned', 'executionTimeMillis', 'totalKeysExamined', 'totalDocsExamined']) {
    expect(s[k] === null || typeof s[k] === 'number', k).toBe(true);
  }
  expect(Array.isArray(s.indexesUsed) && (s.indexesUsed as unknown[]).every((x) => typeof x === 'string')).toBe(true);
  for (const k of ['collectionScan', 'inMemorySort', 'covered']) expect(typeof s[k], k).toBe('boolean');
  expect(s.shards === null || typeof s.shards === 'number').toBe(true);
  expect(checkStageTree(out.stages as StageJson)).toBeGreaterThan(0);
  expect(Array.isArray(out.findings)).toBe(true);
  for (const f of out.findings as Array<Record<string, unknown>>) {
    expect(Object.keys(f)).toEqual(expect.arrayContaining(['code', 'severity', 'message', 'stagePath']));
    expect(['info', 'warning', 'critical']).toContain(f.severity);
  }
  expect('advice' in out).toBe(true);
}

describe('baleen explain --json (CLI contract)', () => {
  it('prints the summary, stage tree, findings and advice of a saved explain', async () => {
    const file = write('orders.json', JSON.stringify(EXPLAIN, null, 2));
    const r = await runBaleen(['explain', file, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    checkShape(out);
    expect(out.summary).toMatchObject({
      nReturned: 40,
      executionTimeMillis: 120,
      totalKeysExamined: 20_000,
      totalDocsExamined: 20_000,
      indexesUsed: ['status_1'],
      collectionScan: false,
      inMemorySort: true,
      covered: false,
      shards: null,
      planCache: { queryHash: 'ABCD1234', planCacheKey: 'EF567890' },
    });
    expect(out.stages).toMatchObject({ stage: 'SORT', children: [{ stage: 'FETCH', children: [{ stage: 'IXSCAN', children: [] }] }] });
    const fs = (out.findings as Array<{ code: string; stagePath: string }>).map((f) => `${f.code} @ ${f.stagePath}`);
    expect(fs).toEqual(['IN_MEMORY_SORT @ SORT', 'EXAMINED_RATIO @ SORT/FETCH/IXSCAN', 'EXAMINED_RATIO @ SORT/FETCH', 'FETCH_FILTER @ SORT/FETCH']);
    expect(out.advice).toMatchObject({
      key: [
        ['status', 1],
        ['date', -1],
        ['qty', 1],
      ],
      status: 'new',
      supersedes: ['status_1'],
      createIndex: 'db.getSiblingDB("shop").getCollection("orders").createIndex({ "status": 1, "date": -1, "qty": 1 })',
    });
  });

  it('checks the advice against --indexes (listIndexes output)', async () => {
    const file = write('orders2.json', JSON.stringify(EXPLAIN));
    const idx = write('indexes.json', JSON.stringify([{ v: 2, key: { _id: 1 }, name: '_id_' }, { v: 2, key: { status: 1, date: -1, qty: 1, x: 1 }, name: 'esr' }]));
    const r = await runBaleen(['explain', file, '--json', '--indexes', idx]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).advice).toMatchObject({ status: 'prefix', existingIndex: 'esr', createIndex: null });
  });

  it('reads mongosh text and a BSON file the same way as JSON', async () => {
    const shell = write(
      'orders.mongosh.txt',
      `{ queryPlanner: { namespace: 'shop.orders', winningPlan: { stage: 'COLLSCAN' } },
         executionStats: { nReturned: 3, executionTimeMillis: Long('7'), totalKeysExamined: 0, totalDocsExamined: 50000,
           executionStages: { stage: 'COLLSCAN', nReturned: 3, docsExamined: 50000 } }, ok: 1 }`,
    );
    const bson = write('orders.bson', serialize(EXPLAIN));
    const a = JSON.parse((await runBaleen(['explain', shell, '--json'])).stdout);
    expect(a.summary).toMatchObject({ nReturned: 3, executionTimeMillis: 7, totalDocsExamined: 50000, collectionScan: true });
    expect(a.findings[0]).toMatchObject({ code: 'COLLSCAN', severity: 'warning', stagePath: 'COLLSCAN' });
    const b = JSON.parse((await runBaleen(['explain', bson, '--json'])).stdout);
    expect(b.summary.indexesUsed).toEqual(['status_1']);
    expect(b.summary.totalKeysExamined).toBe(20_000);
  });

  it('the human report has the summary, the stage tree, the findings and the advice', async () => {
    const file = write('orders3.json', JSON.stringify(EXPLAIN));
    const r = await runBaleen(['explain', file]);
    expect(r.code).toBe(0);
    const t = r.stdout;
    expect(t).toMatch(/^Explain: find on shop\.orders \(classic engine, executionStats\)/);
    expect(t).toMatch(/Returned\s+40\n/);
    expect(t).toMatch(/Keys examined\s+20,000 \(500 per returned\)/);
    expect(t).toMatch(/In-memory sort\s+yes/);
    expect(t).toContain('SORT  n=40\n  └─ FETCH  n=40 docs=20,000\n     └─ IXSCAN status_1  n=20,000 keys=20,000');
    expect(t).toMatch(/\[warning\] IN_MEMORY_SORT at SORT/);
    expect(t).toContain('db.getSiblingDB("shop").getCollection("orders").createIndex({ "status": 1, "date": -1, "qty": 1 })');
  });

  it('never lets control characters from the file reach the terminal', async () => {
    const evil = { queryPlanner: { namespace: 'a.b\u001b[2J', winningPlan: { stage: 'COLLSCAN\u001b]0;pwned\u0007' } } };
    const r = await runBaleen(['explain', write('evil.json', JSON.stringify(evil))]);
    expect(r.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.stdout).toContain('\\u001b[2J');
  });

  it('bad input: a typed error and exit 1; bad usage: exit 2', async () => {
    const missing = await runBaleen(['explain', path.join(dir, 'nope.json')]);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/no such file.*\[E_NOT_FOUND\]/);

    const broken = await runBaleen(['explain', write('broken.json', '{ "queryPlanner": { "winningPlan": ')]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/cannot parse explain input at line 1.*\[E_PARSE\]/);

    const notExplain = await runBaleen(['explain', write('other.json', '{"hello": 1}')]);
    expect(notExplain.stderr).toMatch(/not explain output.*\[E_PARSE\]/);

    const badIndexes = await runBaleen(['explain', write('ok.json', JSON.stringify(EXPLAIN)), '--indexes', write('idx.json', '{"x": 1}')]);
    expect(badIndexes.stderr).toMatch(/\[E_PARSE\]/);

    expect((await runBaleen(['explain'])).code).toBe(2);
    expect((await runBaleen(['explain', 'a', 'b'])).code).toBe(2);
    expect((await runBaleen(['explain', 'a', '--shards', 'x'])).code).toBe(2);
    expect((await runBaleen(['explain', 'a', '--bogus'])).code).toBe(2);
  });
});

describe.skipIf(!existsSync(COMPASS))('baleen explain on real corpus files', () => {
  it('sharded find: numbers from mongos, shard count, scatter-gather with --shards', async () => {
    const r = await runBaleen(['explain', path.join(COMPASS, 'sharded_mixed_index_3.2.json'), '--json', '--shards', '3']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    checkShape(out);
    expect(out.summary).toMatchObject({ nReturned: 22528, executionTimeMillis: 260, totalKeysExamined: 15485, totalDocsExamined: 330552, shards: 3, collectionScan: true });
    expect(out.findings.map((f: { code: string }) => f.code)).toContain('SCATTER_GATHER');
    expect(out.stages.children.map((c: { stage: string; shard: string }) => `${c.shard}:${c.stage}`)).toEqual(['shard01:SHARDING_FILTER', 'shard02:SHARDING_FILTER', 'shard03:SHARDING_FILTER']);
  });

  it('every Compass fixture runs through the CLI with the JSON shape intact', async () => {
    const { readdirSync } = await import('node:fs');
    for (const f of readdirSync(COMPASS).filter((x) => x.endsWith('.json'))) {
      const r = await runBaleen(['explain', path.join(COMPASS, f), '--json']);
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
      checkShape(JSON.parse(r.stdout));
      expect((await runBaleen(['explain', path.join(COMPASS, f)])).code).toBe(0);
    }
  });

  it.skipIf(!existsSync(PERCONA))('a percona BSON system.profile document is refused with E_PARSE, no crash', async () => {
    const r = await runBaleen(['explain', path.join(PERCONA, 'explain_3.6.2.bson')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/system\.profile document.*\[E_PARSE\]/);
  });
});
