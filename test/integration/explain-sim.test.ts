// Explain in the console against Baleen's simulator (a replica set p1 primary, p2 secondary, and a
// clusterMonitor-only deployment): the primary refusal without confirmation, the $out verbosity
// refusal, the time limit, code 13 turning the feature off (REL-M5) and the matrix keeping it off,
// every run audited without literals, each explainable command, createIndex confirmed and audited
// with build progress from $currentOp, the plan change it causes in the plan history, and unused
// indexes judged across every member.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { join } from 'node:path';
import { addressMapDialer } from '../../src-main/core/connections';
import { normalizeExplain, parseExplainDocument } from '../../src-main/core/explain';
import { ReplicaSetModel, registerScramAuth, SimUserDirectory, startSimulator, type Simulator } from '../../src-main/core/sim';
import { simIndexes } from '../../src-main/core/sim/commands/indexes-state';
import type { ConnectionSummary, ExplainView, IndexBuild, PlanChange } from '../../src-shared/contract';
import type { BaleenError } from '../../src-shared/domain/errors';
import type { NodeId } from '../../src-shared/domain/identity';
import { eventually, startTestCore, type TestCore } from '../helpers/core';

const FAST = { intervalMs: 250, deadlineMs: 1500, connectTimeoutMs: 3000, rediscoverMs: 600_000 };
const P1 = 'p1.shop.internal:27017';
const P2 = 'p2.shop.internal:27017';
const CANARY = `CANARY-${randomUUID()}`;

async function refusal(p: Promise<unknown>): Promise<BaleenError> {
  try {
    await p;
  } catch (e) {
    return e as BaleenError;
  }
  throw new Error('expected a refusal');
}

describe('explain on a simulated replica set', () => {
  const sims = new Map<string, Simulator>();
  let t: TestCore;
  let c: ConnectionSummary;
  let p1: NodeId;
  let p2: NodeId;
  const explains = (host: string) => sims.get(host)!.stats().commands.explain?.total ?? 0;

  beforeAll(async () => {
    const model = new ReplicaSetModel({ setName: 'rs0', members: [P1, P2] });
    for (const me of model.hosts()) sims.set(me, await startSimulator({ me, topology: model }));
    t = startTestCore({ monitoring: FAST, connectionSeams: { dial: addressMapDialer(Object.fromEntries([...sims].map(([k, s]) => [k, s.address]))) } });
    c = await t.client.invoke('connections.add', { uri: `mongodb://${P1}/?replicaSet=rs0`, discover: true });
    p1 = c.nodes.find((n) => n.hostPort === P1)!.id;
    p2 = c.nodes.find((n) => n.hostPort === P2)!.id;
    expect(c.nodes.map((n) => n.role).sort()).toEqual(['PRIMARY', 'SECONDARY']);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([...sims.values()].map((s) => s.stop()));
  });

  it('parses a typed query without running it: namespace, shape without literals, $out flagged', async () => {
    const q = await t.client.invoke('explain.parseQuery', { query: `db.orders.find({status: "${CANARY}", qty: {$gt: 5}}).sort({ts: -1})`, db: 'shop' });
    expect(q).toMatchObject({ op: 'find', namespace: 'shop.orders', writesOutput: false });
    expect(q.shapeText).toBe('{"filter":{"status":"?string","qty":{"$gt":"?number"}},"sort":{"ts":-1}}');
    const out = await t.client.invoke('explain.parseQuery', { query: 'db.getSiblingDB("shop").orders.aggregate([{$match: {a: 1}}, {$out: "x"}])' });
    expect(out).toMatchObject({ op: 'aggregate', namespace: 'shop.orders', writesOutput: true });
    const bad = await refusal(t.client.invoke('explain.parseQuery', { query: 'db.orders.find({a: eval("1")})' }));
    expect(bad.code).toBe('E_INVALID_INPUT');
  });

  it('queryPlanner on the primary runs without confirmation; COLLSCAN, its finding and ESR advice; audited with the shape only', async () => {
    const v = await t.client.invoke('explain.run', { nodeId: p1, db: 'shop', query: `db.orders.find({note: "${CANARY}", qty: {$gt: 5}}).sort({ts: -1})` });
    expect(v.source).toMatchObject({ kind: 'live', role: 'PRIMARY', verbosity: 'queryPlanner', namespace: 'shop.orders', op: 'find', maxTimeMs: 10_000 });
    expect(v.model.verbosity).toBe('queryPlanner');
    expect(v.summary.collectionScan).toBe(true);
    expect(v.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['COLLSCAN', 'IN_MEMORY_SORT']));
    expect(v.advice).toMatchObject({ status: 'new', equality: ['note'], range: ['qty'] });
    expect(v.advice!.key).toEqual([['note', 1], ['ts', -1], ['qty', 1]]);
    expect(v.indexes.source).toBe('listIndexes');
    expect(v.indexes.list.map((i) => i.name)).toContain('_id_');
    // No numbers at queryPlanner: no costliest path is claimed.
    expect(v.costliest.basis).toBe('none');

    const rows = t.core.audit.list({ action: 'explain.run', limit: 5 });
    const intent = rows.find((r) => r.kind === 'intent')!;
    expect(intent.target).toBe(p1);
    expect(intent.details).toMatchObject({ namespace: 'shop.orders', verbosity: 'queryPlanner', op: 'find', shape: '{"filter":{"note":"?string","qty":{"$gt":"?number"}},"sort":{"ts":-1}}' });
    expect(rows.find((r) => r.kind === 'outcome')?.result).toBe('ok');
    // Neither the audit log nor the plan history keeps the query's values (AUD-4, SEC-X2).
    for (const f of ['audit.db', 'audit.db-wal', 'plans.db', 'plans.db-wal']) {
      const bytes = existsSync(join(t.dataDir, f)) ? readFileSync(join(t.dataDir, f)).toString('latin1') : '';
      expect(bytes.includes(CANARY), f).toBe(false);
    }
    expect(readFileSync(join(t.dataDir, 'plans.db-wal')).toString('latin1')).toContain('"note":"?string"');
  });

  it('executionStats on the primary is refused without confirmation (nothing is sent), runs with it, and on a secondary runs as is', async () => {
    const before = explains(P1);
    const auditBefore = t.core.audit.list({ action: 'explain.run', limit: 100 }).length;
    const e = await refusal(t.client.invoke('explain.run', { nodeId: p1, db: 'shop', query: 'db.orders.find({status: "A"})', verbosity: 'executionStats' }));
    expect(e.code).toBe('E_INVALID_INPUT');
    expect(e.message).toMatch(/executionStats RUNS the query, and p1\.shop\.internal:27017 is the primary/);
    expect(e.details).toMatchObject({ reason: 'confirm-run-on-primary', role: 'PRIMARY' });
    expect(explains(P1)).toBe(before);
    expect(t.core.audit.list({ action: 'explain.run', limit: 100 })).toHaveLength(auditBefore);
    // A verbosity written in the query is what counts.
    const e2 = await refusal(t.client.invoke('explain.run', { nodeId: p1, db: 'shop', query: 'db.orders.explain("allPlansExecution").find({status: "A"})' }));
    expect(e2.details).toMatchObject({ reason: 'confirm-run-on-primary', verbosity: 'allPlansExecution' });

    const ok = await t.client.invoke('explain.run', { nodeId: p1, db: 'shop', query: 'db.orders.find({status: "A"})', verbosity: 'executionStats', confirmedRunOnPrimary: true });
    expect(ok.model.verbosity).toBe('executionStats');
    expect(ok.summary.totalDocsExamined).toBeGreaterThan(0);
    expect(ok.costliest.basis).toBe('time');
    expect(ok.costliest.stagePath).toBe(ok.costliest.paths[ok.costliest.paths.length - 1]);
    expect(explains(P1)).toBe(before + 1);

    const sec = await t.client.invoke('explain.run', { nodeId: p2, db: 'shop', query: 'db.orders.find({status: "A"})', verbosity: 'executionStats' });
    expect(sec.source).toMatchObject({ role: 'SECONDARY', verbosity: 'executionStats' });
  });

  it('a pipeline ending in $out is explained at queryPlanner only', async () => {
    const q = 'db.orders.aggregate([{$match: {status: "A"}}, {$group: {_id: "$sku", n: {$sum: 1}}}, {$out: "by_sku"}])';
    const before = explains(P2);
    for (const verbosity of ['executionStats', 'allPlansExecution'] as const) {
      const e = await refusal(t.client.invoke('explain.run', { nodeId: p2, db: 'shop', query: q, verbosity }));
      expect(e.code).toBe('E_INVALID_INPUT');
      expect(e.message).toMatch(/\$out or \$merge.*queryPlanner only.*3\.6 and 4\.0/);
    }
    expect(explains(P2)).toBe(before);
    const v = await t.client.invoke('explain.run', { nodeId: p2, db: 'shop', query: q });
    expect(v.model.kind).toBe('aggregate');
    expect(v.model.root.stage).toBe('$out');
  });

  it('explains count, distinct, update, delete and findAndModify', async () => {
    const cases: Array<[string, string]> = [
      ['db.orders.count({status: "A"})', 'COUNT'],
      ['db.orders.distinct("sku", {status: "A"})', 'COLLSCAN'],
      ['db.orders.updateMany({status: "A"}, {$set: {flag: true}})', 'UPDATE'],
      ['db.orders.deleteOne({status: "Z"})', 'DELETE'],
      ['db.orders.findOneAndUpdate({status: "A"}, {$inc: {n: 1}}, {sort: {ts: -1}})', 'UPDATE'],
      ['db.orders.findAndModify({query: {status: "A"}, remove: true})', 'DELETE'],
    ];
    for (const [query, root] of cases) {
      const v = await t.client.invoke('explain.run', { nodeId: p2, db: 'shop', query });
      expect(v.model.root.stage, query).toBe(root);
    }
  });

  it('the time limit always applies: a slow server is cut off at maxTimeMS', async () => {
    const h = sims.get(P2)!.faults.delay('explain', 5000, { times: 1 });
    const started = Date.now();
    const e = await refusal(t.client.invoke('explain.run', { nodeId: p2, db: 'shop', query: 'db.orders.find({status: "A"})', maxTimeMs: 300 }));
    h.clear();
    expect(e.code).toBe('E_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('createIndex asks for the namespace typed again, runs on the primary, is audited, shows $currentOp progress; the plan changes to IXSCAN', async () => {
    const changes: PlanChange[] = [];
    const builds: IndexBuild[] = [];
    const off1 = t.client.on('explain.planChanged', (c) => void changes.push(c));
    const off2 = t.client.on('explain.indexBuild', (b) => void builds.push(b));
    const query = 'db.orders.find({region: "EU", qty: {$gt: 5}})';
    const first = await t.client.invoke('explain.run', { nodeId: p1, db: 'shop', query, verbosity: 'executionStats', confirmedRunOnPrimary: true });
    expect(first.planSummary).toBe('COLLSCAN');
    expect(first.planChange).toBeNull();

    const wrong = await refusal(t.client.invoke('explain.createIndex', { nodeId: p2, namespace: 'shop.orders', key: [['region', 1], ['qty', 1]], confirmNamespace: 'shop.order' }));
    expect(wrong.code).toBe('E_INVALID_INPUT');
    expect(wrong.details).toMatchObject({ reason: 'confirm-namespace' });
    expect(t.core.audit.list({ action: 'index.create' })).toHaveLength(0);

    simIndexes(sims.get(P1)!.node).buildMs = 2500;
    // Asked on the secondary: the build goes to the primary.
    const b = await t.client.invoke('explain.createIndex', { nodeId: p2, namespace: 'shop.orders', key: [['region', 1], ['qty', 1]], confirmNamespace: 'shop.orders' });
    expect(b).toMatchObject({ state: 'running', nodeId: p1, hostPort: P1, indexName: 'region_1_qty_1', key: { region: 1, qty: 1 } });
    const progressed = await eventually(async () => {
      const s = await t.client.invoke('explain.indexBuild', { buildId: b.buildId });
      return s.progress && s.progress.done > 0 && s.state === 'running' ? s : undefined;
    }, 5000, 'build progress from $currentOp');
    expect(progressed.progress!.total).toBeGreaterThan(progressed.progress!.done);
    expect(progressed.phase).toMatch(/^Index Build: scanning collection/);
    const done = await eventually(async () => {
      const s = await t.client.invoke('explain.indexBuild', { buildId: b.buildId });
      return s.state !== 'running' ? s : undefined;
    }, 10_000, 'build end');
    expect(done.state).toBe('done');
    expect(builds.map((x) => x.state)).toEqual(expect.arrayContaining(['running', 'done']));
    const audit = t.core.audit.list({ action: 'index.create' });
    expect(audit.map((r) => [r.kind, r.result])).toEqual([
      ['outcome', 'ok'],
      ['intent', null],
    ]);
    expect(audit[1]!.details).toMatchObject({ namespace: 'shop.orders', key: { region: 1, qty: 1 }, name: 'region_1_qty_1', requestedOn: p2 });
    expect(audit[1]!.target).toBe(p1);

    const second = await t.client.invoke('explain.run', { nodeId: p1, db: 'shop', query: 'db.orders.find({region: "NA", qty: {$gt: 90}})', verbosity: 'executionStats', confirmedRunOnPrimary: true });
    expect(second.planSummary).toBe('IXSCAN region_1_qty_1');
    expect(second.advice).toMatchObject({ status: 'covered', existingIndex: 'region_1_qty_1' });
    expect(second.planChange).toMatchObject({ nodeId: p1, namespace: 'shop.orders', from: 'COLLSCAN', to: 'IXSCAN region_1_qty_1' });
    await eventually(() => (changes.length > 0 ? true : undefined), 2000, 'planChanged event');
    expect(changes[0]).toMatchObject({ from: 'COLLSCAN', to: 'IXSCAN region_1_qty_1' });

    const hist = await t.client.invoke('explain.history', { nodeId: p1, shapeHash: second.source.kind === 'live' ? second.source.shapeHash : '' });
    expect(hist.map((h) => [h.planSummary, h.changed])).toEqual([
      ['IXSCAN region_1_qty_1', true],
      ['COLLSCAN', false],
    ]);
    const ch = await t.client.invoke('explain.changes', { nodeId: p1 });
    expect(ch[0]).toMatchObject({ from: 'COLLSCAN', to: 'IXSCAN region_1_qty_1' });
    off1();
    off2();
  });

  it('unused indexes need every member: an index read on one member only is not unused; redundant prefixes are listed', async () => {
    // The set replicated the new index to p2 (the simulator does not replicate: build it there too).
    const s2 = simIndexes(sims.get(P2)!.node);
    s2.buildMs = 10;
    await s2.startBuild('shop', 'orders', [{ key: [['region', 1], ['qty', 1]], name: 'region_1_qty_1' }]).finished;
    for (const [host, s] of sims) {
      const st = simIndexes(s.node);
      st.buildMs = 10;
      await st.startBuild('shop', 'orders', [{ key: [['region', 1]], name: 'region_1' }]).finished;
      void host;
    }
    // region_1_qty_1 was read on p1 by the executionStats explain above; region_1 nowhere; p2 reads one of its own.
    s2.recordAccess('shop.orders', '_id_', 3);
    const r = await t.client.invoke('explain.indexes', { nodeId: p2, namespace: 'shop.orders' });
    expect(r.members.map((m) => [m.member, m.ok])).toEqual([
      [P1, true],
      [P2, true],
    ]);
    expect(r.unused.state).toBe('checked');
    const unused = r.unused.state === 'checked' ? r.unused.list.map((u) => u.name) : [];
    expect(unused).toContain('region_1');
    expect(unused).not.toContain('region_1_qty_1');
    expect(unused).not.toContain('_id_');
    const u = r.unused.state === 'checked' ? r.unused.list.find((x) => x.name === 'region_1')! : null;
    expect(u!.members.map((m) => m.member).sort()).toEqual([P1, P2]);
    expect(Date.parse(u!.since)).toBeGreaterThan(0);
    expect(r.redundant).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'region_1', coveredBy: 'region_1_qty_1' })]));

    // A member that cannot answer makes the list untrustworthy: it says so instead of guessing.
    const h = sims.get(P1)!.faults.fail('aggregate', { code: 8000, codeName: 'AtlasError', errmsg: 'boom' }, { times: 1 });
    const r2 = await t.client.invoke('explain.indexes', { nodeId: p2, namespace: 'shop.orders' });
    h.clear();
    expect(r2.unused.state).toBe('unavailable');
    expect(r2.unused.state === 'unavailable' ? r2.unused.reason : '').toMatch(/p1\.shop\.internal:27017.*every member/);
  });

  it('code 13 from explain turns the feature off (REL-M5): the next run is refused without reaching the server, the node stays up', async () => {
    const sim = sims.get(P2)!;
    sim.faults.fail('explain', { code: 13, codeName: 'Unauthorized', errmsg: 'not authorized on shop to execute command { explain: ... }' }, { times: 1 });
    const e = await refusal(t.client.invoke('explain.run', { nodeId: p2, db: 'shop', query: 'db.orders.find({status: "A"})' }));
    expect(e.code).toBe('E_NOT_AUTHORIZED');
    const cap = (await t.client.invoke('connections.capabilities', { nodeId: p2 })).features.find((f) => f.feature === 'explain')!;
    expect(cap).toMatchObject({ state: 'unavailable', reason: expect.stringMatching(/refused by the server \(code 13\)/) });
    expect(cap.deniedAt).toBeTypeOf('number');
    const before = explains(P2);
    const again = await refusal(t.client.invoke('explain.run', { nodeId: p2, db: 'shop', query: 'db.orders.find({status: "A"})' }));
    expect(again.code).toBe('E_NOT_AUTHORIZED');
    expect(again.message).toMatch(/Explain plans is off.*at most once an hour/);
    expect(explains(P2)).toBe(before);
    const audit = t.core.audit.list({ action: 'explain.run', limit: 2 });
    expect(audit[0]).toMatchObject({ kind: 'outcome', result: 'error', errorCode: 'E_NOT_AUTHORIZED' });
    // The other member and the monitoring are untouched.
    const list = (await t.client.invoke('connections.list', {}))[0]!;
    expect(list.nodes.find((n) => n.id === p2)!.status.state).toBe('monitoring');
    const v: ExplainView = await t.client.invoke('explain.run', { nodeId: p1, db: 'shop', query: 'db.orders.find({status: "A"})' });
    expect(v.source.kind).toBe('live');
  });
});

describe("the simulator's explain against real captures", () => {
  const FIXTURES = join(process.cwd(), '../shared/corpus/compass/packages/explain-plan-helper/test/fixtures');
  /** Fields real servers print that the corpus (3.2–5.0 captures) does not hold, each with where it comes from. */
  const NEWER: Record<string, string> = {
    'SORT.type': '5.0+ sort stage (simple / default)',
    'SORT.totalDataSizeSorted': '5.0+ sort stage',
    'SORT.usedDisk': '4.4+ sort stage',
    'SORT.spills': '5.0+ sort stage',
    'COUNT.nCounted': 'count explain (COUNT stage)',
    'COUNT.nSkipped': 'count explain (COUNT stage)',
    'UPDATE.nMatched': 'update explain (UPDATE stage)',
    'UPDATE.nWouldModify': 'update explain (UPDATE stage)',
    'UPDATE.nWouldUpsert': 'update explain (UPDATE stage)',
    'DELETE.nWouldDelete': 'delete explain (DELETE stage)',
    // The captures' allPlansExecution arrays are all empty; a trial's fields are those the normaliser reads.
    'allPlansExecution.nReturned': 'allPlansExecution trial',
    'allPlansExecution.executionTimeMillisEstimate': 'allPlansExecution trial',
    'allPlansExecution.totalKeysExamined': 'allPlansExecution trial',
    'allPlansExecution.totalDocsExamined': 'allPlansExecution trial',
    'allPlansExecution.executionStages': 'allPlansExecution trial',
  };
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ me: 'shapes.internal:27017' });
    const st = simIndexes(sim.node);
    st.buildMs = 5;
    await st.startBuild('shop', 'orders', [
      { key: [['status', 1]], name: 'status_1' },
      { key: [['status', 1], ['qty', 1]], name: 'status_1_qty_1' },
    ]).finished;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it.skipIf(!existsSync(FIXTURES))('every field of every stage it prints is one a real server prints for that stage', async () => {
    const corpus = new Set<string>();
    const anyStage = new Set<string>();
    const collect = (v: unknown, ctx: string, into: Set<string>, stageKeys: Set<string> | null) => {
      if (Array.isArray(v)) return v.forEach((x) => collect(x, ctx, into, stageKeys));
      if (v === null || typeof v !== 'object' || v instanceof Date) return;
      const o = v as Record<string, unknown>;
      const st = typeof o.stage === 'string' ? o.stage : null;
      for (const [k, x] of Object.entries(o)) {
        into.add(st ? `${st}.${k}` : `${ctx}.${k}`);
        if (st) stageKeys?.add(k);
        // Filters and bounds hold the query's own field names, not the server's.
        if (!['filter', 'parsedQuery', 'indexBounds', 'keyPattern', 'multiKeyPaths', 'sortPattern', 'command', 'serverParameters', 'serverInfo'].includes(k)) collect(x, k, into, stageKeys);
      }
    };
    for (const f of readdirSync(FIXTURES)) collect(JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')), '', corpus, anyStage);

    const c = new MongoClient(`${sim.uri}`);
    await c.connect();
    const served = new Set<string>();
    try {
      const db = c.db('shop');
      for (const cmd of [
        { find: 'orders', filter: { status: 'A', qty: { $gt: 5 } }, sort: { ts: -1 }, limit: 10 },
        { find: 'orders', filter: { _id: 5 } },
        { aggregate: 'orders', pipeline: [{ $match: { note: 'x' } }, { $sort: { ts: 1 } }, { $group: { _id: '$sku' } }], cursor: {} },
        { find: 'missing', filter: {} },
        { count: 'orders', query: { status: 'A' } },
        { update: 'orders', updates: [{ q: { status: 'A' }, u: { $set: { x: 1 } } }] },
        { delete: 'orders', deletes: [{ q: { status: 'A' }, limit: 1 }] },
      ]) {
        for (const verbosity of ['queryPlanner', 'executionStats', 'allPlansExecution']) {
          const reply = await db.command({ explain: cmd, verbosity });
          collect(reply, '', served, null);
          // And Baleen reads it whole: known stages, no warnings, the verbosity asked for.
          const m = normalizeExplain(parseExplainDocument(reply));
          // (allPlansExecution with a single candidate has no trials: it reads as executionStats, as a real one does.)
          const single = m.queryLayers.every((l) => l.rejectedPlans.length === 0);
          expect([m.unknownStages, m.warnings, m.verbosity], JSON.stringify(cmd)).toEqual([[], [], verbosity === 'allPlansExecution' && single ? 'executionStats' : verbosity]);
        }
      }
    } finally {
      await c.close();
    }
    // The walk saw the plans (so an empty list below means something).
    for (const k of ['IXSCAN.indexBounds', 'COLLSCAN.docsExamined', 'SORT.sortPattern', 'COUNT.nCounted', 'queryPlanner.rejectedPlans', 'executionStats.allPlansExecution', 'EOF.nReturned']) expect(served, k).toContain(k);
    const stageName = (k: string) => k.slice(0, k.indexOf('.'));
    const unknown = [...served].filter((k) => {
      if (corpus.has(k) || NEWER[k]) return false;
      // A stage the corpus never shows (COUNT, UPDATE, DELETE, EOF) may carry the fields every stage has.
      const st = stageName(k);
      return ![...corpus].some((x) => x.startsWith(`${st}.`)) ? !anyStage.has(k.slice(st.length + 1)) : true;
    });
    // Top-level and section fields a 7.0 server prints that older captures lack.
    expect(unknown.filter((k) => !/^\.(explainVersion|ok|command|serverInfo|serverParameters|queryPlanner|executionStats)$/.test(k))).toEqual([]);
  });
});

describe('explain for a clusterMonitor-only user', () => {
  const users = new SimUserDirectory([
    { user: 'mon', db: 'admin', password: 'mon-pw', roles: [{ role: 'clusterMonitor', db: 'admin' }] },
    { user: 'analyst', db: 'admin', password: 'analyst-pw', roles: [{ role: 'clusterMonitor', db: 'admin' }, { role: 'read', db: 'app' }] },
  ]);
  let sim: Simulator;
  let t: TestCore;

  beforeAll(async () => {
    sim = await startSimulator({ me: 'solo.internal:27017', requireAuth: true, extendCommands: (tb) => registerScramAuth(tb, users) });
    t = startTestCore({ monitoring: FAST, connectionSeams: { dial: addressMapDialer({ 'solo.internal:27017': sim.address }) } });
  });
  afterAll(async () => {
    await t?.close();
    await sim?.stop();
  });

  it('the matrix says explain needs find: the feature is off with that reason and nothing is sent', async () => {
    const c = await t.client.invoke('connections.add', { uri: 'mongodb://mon@solo.internal:27017/?authMechanism=SCRAM-SHA-256&authSource=admin', secrets: { password: 'mon-pw' } });
    const nodeId = c.nodes[0]!.id;
    await eventually(async () => ((await t.client.invoke('connections.capabilities', { nodeId })).source === 'privileges' ? true : undefined), 5000, 'privileges read');
    const e = await refusal(t.client.invoke('explain.run', { nodeId, db: 'shop', query: 'db.orders.find({status: "A"})' }));
    expect(e.code).toBe('E_NOT_AUTHORIZED');
    expect(e.message).toMatch(/^Explain plans is off on this node: needs find on the namespace explained \(beyond clusterMonitor\) \(grant read/);
    expect(sim.stats().commands.explain?.total ?? 0).toBe(0);
    const idx = await refusal(t.client.invoke('explain.indexes', { nodeId, namespace: 'shop.orders' }));
    expect(idx.code).toBe('E_NOT_AUTHORIZED');
  });

  it('find on one database only (partial): the server refuses another with code 13, and the feature goes off for the hour', async () => {
    await t.client.invoke('connections.remove', { id: (await t.client.invoke('connections.list', {}))[0]!.id });
    const c = await t.client.invoke('connections.add', { uri: 'mongodb://analyst@solo.internal:27017/?authMechanism=SCRAM-SHA-256&authSource=admin', secrets: { password: 'analyst-pw' } });
    const nodeId = c.nodes[0]!.id;
    await eventually(async () => ((await t.client.invoke('connections.capabilities', { nodeId })).features.find((f) => f.feature === 'explain')?.state === 'partial' ? true : undefined), 5000, 'partial explain');
    const before = sim.stats().commands.explain?.total ?? 0;
    const e = await refusal(t.client.invoke('explain.run', { nodeId, db: 'shop', query: 'db.orders.find({status: "A"})' }));
    expect(e.code).toBe('E_NOT_AUTHORIZED');
    expect(e.message).toMatch(/code 13.*not authorized on shop/);
    expect(sim.stats().commands.explain!.total).toBe(before + 1);
    const cap = (await t.client.invoke('connections.capabilities', { nodeId })).features.find((f) => f.feature === 'explain')!;
    expect(cap).toMatchObject({ state: 'unavailable', reason: expect.stringMatching(/code 13/) });
    // The gate is per feature, not per database: even the granted database waits for the retry hour.
    const again = await refusal(t.client.invoke('explain.run', { nodeId, db: 'app', query: 'db.events.find({})' }));
    expect(again.code).toBe('E_NOT_AUTHORIZED');
    expect(sim.stats().commands.explain!.total).toBe(before + 1);
  });
});
