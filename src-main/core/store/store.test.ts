import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { betterSqliteDriver, classifyOpenError } from './better-sqlite3.driver';
import { ConfigStore } from './config.store';
import { ChunkStore } from './chunk.store';
import type { SeriesInfo } from './metric-store';
import { migrate, userVersion } from './sqlite-open';
import { METRIC_MIGRATIONS } from './store-schema';
import { makeNodeId } from '../../../src-shared/domain/identity';
import { tempDir } from '../../../test/helpers/tmp';

const driver = betterSqliteDriver();

describe('ChunkStore basics (the MetricStore contract store v0 had)', () => {
  const dir = tempDir();

  it('stores samples per series and reads a range back in order', () => {
    const s = new ChunkStore(driver, join(dir, 'm1.db'), { maintenanceIntervalMs: 0 });
    const b = s.openBatch('live', 'test');
    s.append(b, 'node:d/a:1', 2000, { x: 2, y: 20 });
    s.append(b, 'node:d/a:1', 1000, { x: 1, y: 10 });
    s.append(b, 'node:d/a:1', 3000, { x: 3 });
    expect(s.query('node:d/a:1', 'x', 0, 5000)).toEqual([
      { ts: 1000, value: 1 },
      { ts: 2000, value: 2 },
      { ts: 3000, value: 3 },
    ]);
    expect(s.query('node:d/a:1', 'x', 1500, 2500)).toEqual([{ ts: 2000, value: 2 }]);
    expect(s.query('node:d/a:1', 'nope', 0, 5000)).toEqual([]);
    expect(s.lastTs('node:d/a:1')).toBe(3000);
    expect(s.listSeries('node:d/a:1').map((r: SeriesInfo) => [r.metric, r.count, r.first, r.last])).toEqual([
      ['x', 3, 1000, 3000],
      ['y', 2, 1000, 2000],
    ]);
    s.close();
  });

  it('keeps first/last/count right across many flushes and closed heads', () => {
    const s = new ChunkStore(driver, join(dir, 'm5.db'), { maintenanceIntervalMs: 0, flushTicks: 7, rawChunkSamples: 16 });
    const b = s.openBatch('live');
    for (let i = 0; i < 1000; i++) s.append(b, 'e', 5000 + i * 1000, { c: i * 3, f: i / 3 });
    expect(s.listSeries('e').map((r: SeriesInfo) => [r.metric, r.first, r.last, r.count])).toEqual([
      ['c', 5000, 5000 + 999 * 1000, 1000],
      ['f', 5000, 5000 + 999 * 1000, 1000],
    ]);
    expect(s.query('e', 'f', 0, 1e7).map((p) => p.value)).toEqual(Array.from({ length: 1000 }, (_, i) => i / 3));
    s.close();
    const again = new ChunkStore(driver, join(dir, 'm5.db'), { maintenanceIntervalMs: 0 });
    expect(again.seriesInfo('e', 'c')).toEqual({ entity: 'e', metric: 'c', first: 5000, last: 5000 + 999 * 1000, count: 1000 });
    expect(again.query('e', 'c', 0, 1e7).map((p) => p.value)).toEqual(Array.from({ length: 1000 }, (_, i) => i * 3));
    again.close();
  });

  it('survives a repeated timestamp (clock stepped back, REL-D10) and skips non-finite values', () => {
    const s = new ChunkStore(driver, join(dir, 'm2.db'), { maintenanceIntervalMs: 0 });
    const b = s.openBatch('live');
    s.append(b, 'e', 1000, { x: 1 });
    expect(() => s.append(b, 'e', 1000, { x: 5, bad: Number.NaN })).not.toThrow();
    expect(s.query('e', 'x', 0, 2000)).toEqual([{ ts: 1000, value: 5 }]);
    expect(s.query('e', 'bad', 0, 2000)).toEqual([]);
    s.close();
  });

  it('keeps data across reopen, with gaps open and closed and reasons for unavailable metrics', () => {
    const path = join(dir, 'm3.db');
    let s = new ChunkStore(driver, path, { maintenanceIntervalMs: 0 });
    s.append(s.openBatch('live'), 'e', 1000, { x: 1 });
    s.openGap('e', 1000, 'node unreachable: connection refused');
    s.openGap('e', 1500, 'second open is ignored while one is open');
    s.setUnavailable('e', 'serverStatus.opcounters.insert', 'not returned by FerretDB', 900);
    s.close();
    s = new ChunkStore(driver, path, { maintenanceIntervalMs: 0 });
    expect(s.query('e', 'x', 0, 2000)).toHaveLength(1);
    expect(s.gaps('e', 0, 10_000, 7000)).toEqual([{ from: 1000, to: 7000, reason: 'node unreachable: connection refused' }]);
    s.closeGap('e', 5000);
    expect(s.gaps('e', 0, 10_000, 7000)).toEqual([{ from: 1000, to: 5000, reason: 'node unreachable: connection refused' }]);
    expect(s.gaps('e', 6000, 10_000, 7000)).toEqual([]);
    expect(s.unavailable('e')).toEqual({ 'serverStatus.opcounters.insert': 'not returned by FerretDB' });
    s.setUnavailable('e', 'serverStatus.opcounters.insert', null, 1000);
    expect(s.unavailable('e')).toEqual({});
    s.close();
  });

  it('opens in WAL with synchronous=NORMAL and incremental auto_vacuum (REL-D2)', () => {
    const path = join(dir, 'm4.db');
    const s = new ChunkStore(driver, path, { maintenanceIntervalMs: 0 });
    const db = driver.open(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    db.close();
    s.close();
  });

  it('keeps the samples of a store v0 database: migration 2 moves them into chunks (REL-D11)', () => {
    const path = join(dir, 'v0.db');
    const db = driver.open(path);
    migrate(db, METRIC_MIGRATIONS.slice(0, 1));
    db.exec("INSERT INTO series (id, entity, metric) VALUES (1, 'e', 'x'); INSERT INTO batches (id, source, label, created_at) VALUES (1, 'live', NULL, 0), (2, 'ftdc', 'f', 0)");
    const ins = db.prepare('INSERT INTO samples (series_id, ts, value, batch_id) VALUES (1, ?, ?, ?)');
    for (let i = 0; i < 1500; i++) ins.run(1000 + i * 1000, i * 3 + (i % 5), i < 1000 ? 1 : 2);
    db.close();
    const s = new ChunkStore(driver, path, { maintenanceIntervalMs: 0 });
    const pts = s.query('e', 'x', 0, 10_000_000);
    expect(pts).toHaveLength(1500);
    expect(pts[1499]).toEqual({ ts: 1000 + 1499 * 1000, value: 1499 * 3 + (1499 % 5) });
    expect(s.listSeries('e')).toEqual([{ entity: 'e', metric: 'x', first: 1000, last: 1000 + 1499 * 1000, count: 1500 }]);
    expect(s.listImports().map((i) => i.id)).toEqual([2]);
    // New batches never reuse an id.
    expect(s.openBatch('live')).toBe(3);
    s.close();
    const check = driver.open(path);
    expect(userVersion(check)).toBe(METRIC_MIGRATIONS.length);
    expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'samples'").pluck().get()).toBe(0);
    check.close();
  });
});

describe('migrations (REL-D11)', () => {
  const dir = tempDir();

  it('applies each migration in its own transaction and never leaves a half-applied version', () => {
    const db = driver.open(join(dir, 'mig.db'));
    migrate(db, [{ version: 1, name: 'a', up: 'CREATE TABLE a (x)' }]);
    expect(userVersion(db)).toBe(1);
    expect(() =>
      migrate(db, [
        { version: 1, name: 'a', up: 'CREATE TABLE a (x)' },
        { version: 2, name: 'b', up: 'CREATE TABLE b (x); INSERT INTO nope VALUES (1)' },
      ]),
    ).toThrow();
    expect(userVersion(db)).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'b'").pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a database from a newer Baleen with a clear message', () => {
    const db = driver.open(join(dir, 'newer.db'));
    db.pragma('user_version = 9');
    expect(() => migrate(db, [{ version: 1, name: 'a', up: 'CREATE TABLE a (x)' }])).toThrow(/newer Baleen/);
    db.close();
  });
});

describe('native module errors', () => {
  it('turns an ABI mismatch into one clear E_NATIVE message', () => {
    const e = classifyOpenError(
      new Error(
        "The module '/x/better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 143.",
      ),
      '/data/metrics.db',
    );
    expect(e.code).toBe('E_NATIVE');
    expect(e.message).toMatch(/ABI 115.*ABI 143/);
    expect(e.message).toMatch(/npm start/);
    expect(classifyOpenError(new Error('SQLITE_CANTOPEN: unable to open database file'), '/x').code).toBe('E_STORE');
  });
});

describe('ConfigStore', () => {
  const dir = tempDir();

  it('saves a profile with nodes and aliases, resolves aliases, cascades on delete', () => {
    const c = new ConfigStore(driver, join(dir, 'config.db'));
    const id = makeNodeId('prod', 'db1.internal:27017');
    c.saveProfile({ id: 'prod', name: 'Prod', uri: 'mongodb://mon@db1.internal/', createdAt: 1, monitoring: true }, [
      { id, connectionId: 'prod', deployment: 'prod', hostPort: 'db1.internal:27017', dialAddress: '127.0.0.1:40000', version: '7.0.1', server: 'mongod', setName: 'rs0', monitoring: true },
    ], [
      { alias: 'db1.internal:27017', nodeId: id, source: 'hello.me' },
      { alias: '127.0.0.1:40000', nodeId: id, source: 'seed' },
    ]);
    expect(c.resolveAlias('DB1.internal')).toEqual([id]);
    expect(c.aliasesOf(id)).toEqual(['127.0.0.1:40000', 'db1.internal:27017']);
    expect(c.nodesOf('prod')[0]?.dialAddress).toBe('127.0.0.1:40000');
    expect(c.deleteProfile('prod')).toBe(true);
    expect(c.getNode(id)).toBeUndefined();
    expect(c.resolveAlias('db1.internal')).toEqual([]);
    c.close();
    expect(existsSync(join(dir, 'config.db'))).toBe(true);
  });
});
