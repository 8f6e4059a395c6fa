// Explain against a real independent server (FerretDB 1.24, SQLite backend) through the contract:
// find and aggregate at queryPlanner and executionStats (FerretDB prints its backend's plan and no
// numbers: read as COLLSCAN with a note), the other explainable commands, listIndexes for the advice,
// createIndex confirmed by the namespace and audited, and the index then in listIndexes. FerretDB has
// no $indexStats and no $currentOp: unused indexes and build progress say so instead of guessing.
import { MongoClient } from 'mongodb';
import type { ConnectionSummary } from '../../src-shared/contract';
import type { BaleenError } from '../../src-shared/domain/errors';
import type { NodeId } from '../../src-shared/domain/identity';
import { startFerretDb, type FerretDb } from '../servers/ferretdb';
import { eventually, startTestCore, type TestCore } from '../helpers/core';

async function refusal(p: Promise<unknown>): Promise<BaleenError> {
  try {
    await p;
  } catch (e) {
    return e as BaleenError;
  }
  throw new Error('expected a refusal');
}

describe('explain on FerretDB', () => {
  let fdb: FerretDb;
  let t: TestCore;
  let driver: MongoClient;
  let conn: ConnectionSummary;
  let nodeId: NodeId;

  beforeAll(async () => {
    fdb = await startFerretDb();
    driver = new MongoClient(`${fdb.uri}?directConnection=true`);
    await driver.connect();
    await driver
      .db('shop')
      .collection('orders')
      .insertMany(Array.from({ length: 200 }, (_, i) => ({ status: i % 4 === 0 ? 'A' : 'B', qty: i, ts: new Date(1_700_000_000_000 + i * 1000), sku: `sku-${i % 7}` })));
    t = startTestCore({ monitoring: { intervalMs: 500 } });
    conn = await t.client.invoke('connections.add', { uri: fdb.uri, name: 'ferret' });
    nodeId = conn.nodes[0]!.id;
  });
  afterAll(async () => {
    await t?.close();
    await driver?.close();
    await fdb?.stop();
  });

  it('find at queryPlanner: the backend scan as COLLSCAN, its finding, ESR advice checked against listIndexes', async () => {
    const v = await t.client.invoke('explain.run', { nodeId, db: 'shop', query: 'db.orders.find({status: "A", qty: {$gt: 5}}).sort({ts: -1})' });
    expect(v.source).toMatchObject({ kind: 'live', role: 'STANDALONE', namespace: 'shop.orders', verbosity: 'queryPlanner' });
    expect(v.model.serverVersion).toMatch(/^FerretDB v1\.24\.2/);
    expect(v.model.root.stage).toBe('SORT');
    expect(v.model.root.children[0]!.stage).toBe('COLLSCAN');
    expect(v.model.root.children[0]!.details.ferretdb).toMatch(/^SCAN /);
    expect(v.notes.join('\n')).toMatch(/FerretDB v1\.24\.2 printed its backend's plan/);
    expect(v.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['COLLSCAN', 'IN_MEMORY_SORT']));
    expect(v.indexes).toMatchObject({ source: 'listIndexes', error: null });
    expect(v.indexes.list.map((i) => i.name)).toEqual(['_id_']);
    expect(v.advice).toMatchObject({ status: 'new', key: [['status', 1], ['ts', -1], ['qty', 1]] });
    expect(v.advice!.createIndex).toBe('db.getSiblingDB("shop").getCollection("orders").createIndex({ "status": 1, "ts": -1, "qty": 1 })');
    const audit = t.core.audit.list({ action: 'explain.run', limit: 2 });
    expect(audit.map((r) => [r.kind, r.result])).toEqual([
      ['outcome', 'ok'],
      ['intent', null],
    ]);
    expect(audit[1]!.details).toMatchObject({ namespace: 'shop.orders', verbosity: 'queryPlanner', shape: '{"filter":{"status":"?string","qty":{"$gt":"?number"}},"sort":{"ts":-1}}', role: 'STANDALONE' });
  });

  it('aggregate at executionStats: refused on the standalone without confirmation, run with it; the missing numbers are said', async () => {
    const query = 'db.orders.aggregate([{$match: {status: "A"}}, {$group: {_id: "$sku", n: {$sum: 1}}}])';
    const e = await refusal(t.client.invoke('explain.run', { nodeId, db: 'shop', query, verbosity: 'executionStats' }));
    expect(e.code).toBe('E_INVALID_INPUT');
    expect(e.message).toMatch(/is the standalone server/);
    const v = await t.client.invoke('explain.run', { nodeId, db: 'shop', query, verbosity: 'executionStats', confirmedRunOnPrimary: true });
    expect(v.model.kind).toBe('aggregate');
    expect(v.source).toMatchObject({ verbosity: 'executionStats', op: 'aggregate' });
    expect(v.model.root.stage).toBe('COLLSCAN');
    expect(v.model.root.details.filter).toEqual({ status: 'A' });
    expect(v.notes).toContain('You asked for executionStats, but the server returned no execution numbers: only the plan is shown.');
    expect(v.advice).toMatchObject({ equality: ['status'] });
  });

  it('count, distinct, update, delete and findAndModify are explained without changing data', async () => {
    for (const query of [
      'db.orders.count({status: "A"})',
      'db.orders.distinct("sku", {status: "B"})',
      'db.orders.updateMany({status: "A"}, {$set: {flag: true}})',
      'db.orders.deleteMany({status: "B"})',
      'db.orders.findOneAndDelete({status: "A"})',
    ]) {
      const v = await t.client.invoke('explain.run', { nodeId, db: 'shop', query, verbosity: 'executionStats', confirmedRunOnPrimary: true });
      expect(v.model.root.children.length + 1, query).toBeGreaterThan(0);
      expect(v.summary.collectionScan, query).toBe(true);
    }
    expect(await driver.db('shop').collection('orders').countDocuments({})).toBe(200);
    expect(await driver.db('shop').collection('orders').countDocuments({ flag: true })).toBe(0);
  });

  it('a query the server refuses is bad input with the server code, not a crash', async () => {
    const e = await refusal(t.client.invoke('explain.run', { nodeId, db: 'shop', query: 'db.orders.find({}).sort({qty: "up"})' }));
    expect(e.code).toBe('E_INVALID_INPUT');
    expect(e.message).toMatch(/server refused it \(code 15974\).*Illegal key in \$sort specification/);
    expect(t.core.audit.list({ action: 'explain.run', limit: 1 })[0]).toMatchObject({ kind: 'outcome', result: 'error', errorCode: 'E_INVALID_INPUT' });
  });

  it('createIndex: confirmed by the namespace, audited, then in listIndexes; the plan is unchanged on FerretDB (SQLite plans the scan)', async () => {
    const wrong = await refusal(t.client.invoke('explain.createIndex', { nodeId, namespace: 'shop.orders', key: [['status', 1], ['ts', -1]], confirmNamespace: 'orders' }));
    expect(wrong.code).toBe('E_INVALID_INPUT');
    expect(t.core.audit.list({ action: 'index.create' })).toEqual([]);
    const b = await t.client.invoke('explain.createIndex', { nodeId, namespace: 'shop.orders', key: [['status', 1], ['ts', -1]], confirmNamespace: 'shop.orders' });
    expect(b).toMatchObject({ nodeId, indexName: 'status_1_ts_-1', namespace: 'shop.orders' });
    const done = await eventually(async () => {
      const s = await t.client.invoke('explain.indexBuild', { buildId: b.buildId });
      return s.state !== 'running' ? s : undefined;
    }, 10_000, 'the build to end');
    expect(done.state).toBe('done');
    const names = (await driver.db('shop').collection('orders').listIndexes().toArray()).map((i) => i.name as string);
    expect(names).toContain('status_1_ts_-1');
    const audit = t.core.audit.list({ action: 'index.create' });
    expect(audit.map((r) => [r.kind, r.result])).toEqual([
      ['outcome', 'ok'],
      ['intent', null],
    ]);
    expect(audit[1]!.details).toMatchObject({ namespace: 'shop.orders', key: { status: 1, ts: -1 }, name: 'status_1_ts_-1' });

    const v = await t.client.invoke('explain.run', { nodeId, db: 'shop', query: 'db.orders.find({status: "A"}).sort({ts: -1})' });
    expect(v.advice).toMatchObject({ status: 'covered', existingIndex: 'status_1_ts_-1' });
    // The same index again is not an error: the server says it exists.
    const again = await t.client.invoke('explain.createIndex', { nodeId, namespace: 'shop.orders', key: [['status', 1], ['ts', -1]], confirmNamespace: 'shop.orders' });
    const end = await eventually(async () => {
      const s = await t.client.invoke('explain.indexBuild', { buildId: again.buildId });
      return s.state !== 'running' ? s : undefined;
    }, 10_000, 'the second build to end');
    expect(end).toMatchObject({ state: 'done', phase: 'all indexes already exist' });
  });

  it('indexes: listed, redundant computed; unused not judged (FerretDB has no $indexStats) and it says so', async () => {
    const r = await t.client.invoke('explain.indexes', { nodeId, namespace: 'shop.orders' });
    expect(r.indexes.map((i) => i.name)).toEqual(['_id_', 'status_1_ts_-1']);
    expect(r.redundant).toEqual([]);
    expect(r.members).toEqual([{ member: `127.0.0.1:${fdb.port}`, nodeId, ok: false, error: expect.stringMatching(/\$indexStats/) }]);
    expect(r.unused.state).toBe('unavailable');
    // The explain feature itself stays on.
    const cap = (await t.client.invoke('connections.capabilities', { nodeId })).features.find((f) => f.feature === 'explain')!;
    expect(cap.state).toBe('available');
    const missing = await t.client.invoke('explain.indexes', { nodeId, namespace: 'shop.nothing_here' });
    expect(missing.indexes).toEqual([]);
  });

  it('imports an explain saved from FerretDB (its shape as text)', async () => {
    const saved = await driver.db('shop').command({ explain: { find: 'orders', filter: { qty: { $lt: 3 } } }, verbosity: 'queryPlanner' });
    const v = await t.client.invoke('explain.import', { text: JSON.stringify(saved), name: 'ferret.json' });
    expect(v.source).toMatchObject({ kind: 'import', name: 'ferret.json' });
    expect(v.model.root.stage).toBe('COLLSCAN');
    expect(v.advice).toMatchObject({ range: ['qty'], status: 'new' });
  });
});
