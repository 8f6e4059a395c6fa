// FTDC import into the real store (real SQLite, real audit log) through the contract: the corpus
// round-trips exactly, cancel and failures leave nothing, bad chunks are reported, re-imports are
// recognised, deletes remove everything, retention never touches an import.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Long } from '../../src-main/core/bson/bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FtdcImportProgress, FtdcImportResult } from '../../src-shared/contract';
import { readFtdc, summarizeFtdc } from '../../src-main/core/ftdc';
import { encodeFtdcFile } from '../../src-main/core/ftdc/ftdc-reference.fixture';
import { factsOf, FtdcImportService, identityOf, ImportRegistry, mapColumns, storedMetricName } from '../../src-main/core/imports';
import { ManualClock } from '../helpers/manual-clock';
import { heapGrowingPercent, keepHeapTight, STEADY_GROWING_PERCENT } from '../../src-main/core/heap-policy';
import { AuditLog } from '../../src-main/core/audit/audit-log';
import { betterSqliteDriver } from '../../src-main/core/store/better-sqlite3.driver';
import { ChunkStore, type ChunkStoreOptions } from '../../src-main/core/store/chunk.store';
import { ConfigStore } from '../../src-main/core/store/config.store';
import { silentLogger } from '../../src-main/core/ports/logger';
import { makeNodeId } from '../../src-shared/domain/identity';
import { hostMetricDef, metricDef } from '../../src-shared/domain/metrics/catalogue';
import { startTestCore, type TestCore } from '../helpers/core';
import { tempDir } from '../helpers/tmp';

const CORPUS = resolve(process.cwd(), '../shared/corpus');
const B1RON = resolve(CORPUS, 'b1ron-ftdc/files/diagnostic.data');
const SUITCASE = resolve(CORPUS, 'suitcase-mongo/diagnostic.data');
const BSON_4_2 = resolve(CORPUS, 'b1ron-ftdc/files/metrics.bson');
const corpusPresent = existsSync(B1RON) && existsSync(SUITCASE);
if (!corpusPresent) console.warn(`[ftdc-import] ${CORPUS} not found: corpus import checks skipped`);
const itCorpus = corpusPresent ? it : it.skip;

const T0 = Date.UTC(2024, 6, 1, 10, 0, 0);

/** A synthetic diagnostic.data file: opcounters and CPU counters advancing, one metadata document. */
function synthetic(from: number, n: number, meta: { hostname: string; port?: number; version?: string; roles?: boolean }) {
  const samples = Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const body = {
      serverStatus: { uptimeMillis: new Long(1000 + i * 1000), opcounters: { insert: new Long(100 + i * 5), query: new Long(7 * i) } },
      systemMetrics: { cpu: { num_cpus: 4, user_ms: new Long(10_000 + i * 250), system_ms: new Long(5_000 + i * 50), iowait_ms: new Long(i * 10) } },
    };
    const start = new Date(T0 + i * 1000);
    return meta.roles ? { start, shard: { serverStatus: body.serverStatus }, common: { systemMetrics: body.systemMetrics }, end: start } : { start, ...body, end: start };
  });
  const info = {
    start: new Date(T0),
    buildInfo: { version: meta.version ?? '8.0.4' },
    hostInfo: { system: { hostname: meta.hostname, numCores: 4, memSizeMB: 16_000 }, os: { type: 'Linux', name: 'Ubuntu', version: '24.04' } },
    getCmdLineOpts: { parsed: meta.port ? { net: { port: meta.port } } : {} },
  };
  return encodeFtdcFile(samples, { metadata: meta.roles ? { start: info.start, common: { hostInfo: info.hostInfo, buildInfo: info.buildInfo, getCmdLineOpts: info.getCmdLineOpts } } : info, maxDeltas: 59 });
}

function progressOf(t: TestCore, jobId: string): FtdcImportProgress[] {
  const seen: FtdcImportProgress[] = [];
  t.client.on('ftdc.progress', (p) => {
    if (p.jobId === jobId) seen.push(p);
  });
  return seen;
}

describe('FTDC import over the corpus', () => {
  let t: TestCore;
  beforeAll(() => {
    t = startTestCore();
  });
  afterAll(async () => t?.close());

  // Every corpus input: a folder (two 7.0 rc files + interim), a Windows 4.0 folder, a lone 4.2 file.
  const inputs = [B1RON, SUITCASE, BSON_4_2];
  const results = new Map<string, FtdcImportResult>();

  itCorpus('imports each input with progress events, its node and host named by the metadata', async () => {
    for (const path of inputs) {
      const jobId = `job-${basename(path).replace(/\W/g, '')}`;
      const seen = progressOf(t, jobId);
      const r = await t.client.invoke('ftdc.import', { paths: [path], jobId });
      results.set(path, r);
      expect(r.status).toBe('imported');
      if (r.status !== 'imported') continue;
      expect(r.import.errorCount).toBe(0);
      expect(seen.map((p) => p.phase)).toContain('importing');
      expect(seen.at(-1)).toMatchObject({ phase: 'done', chunks: r.import.chunks, samples: r.import.samples, values: r.import.values, filesDone: r.import.files.length });
      // Progress only grows.
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.chunks).toBeGreaterThanOrEqual(seen[i - 1]!.chunks);
    }
    const nodes = [...results.values()].flatMap((r) => (r.status === 'imported' ? r.import.nodes : []));
    expect(nodes.map((n) => [n.nodeId, n.hostId, n.version])).toEqual([
      ['imported/byron-thinkcentre-m910q:27017', 'byron-thinkcentre-m910q', '7.0.0-rc6'],
      // 4.0 on Windows writes the port into hostInfo's hostname.
      ['imported/lps-156814:48936', 'lps-156814', '4.0.4'],
      ['imported/ip-10-0-0-192:27017', 'ip-10-0-0-192', '4.2.12'],
    ]);
    // The offline nodes are connections' nodes: the node pages find them.
    const list = await t.client.invoke('connections.list', {});
    const imported = list.find((c) => c.id === 'imported');
    expect(imported?.nodes.map((n) => n.id).sort()).toEqual(nodes.map((n) => n.nodeId).sort());
    expect(imported?.nodes.every((n) => n.status.state === 'stopped')).toBe(true);
  }, 180_000);

  itCorpus('an import knows its captures: files months apart are separate spans', async () => {
    const r = results.get(B1RON);
    if (r?.status !== 'imported') throw new Error('not imported');
    const s = await summarizeFtdc([B1RON]);
    const byFile = new Map(s.files.map((f) => [f.path, f]));
    for (const f of r.import.files) {
      expect(f.firstTs === null ? null : new Date(f.firstTs).toISOString()).toBe(byFile.get(f.path)!.firstTs);
      expect(f.lastTs === null ? null : new Date(f.lastTs).toISOString()).toBe(byFile.get(f.path)!.lastTs);
    }
    // 2024-04-16 (one file), then 2025-07-10 (a file and the interim file inside it).
    expect(r.import.spans.map((x) => new Date(x.from).toISOString().slice(0, 10))).toEqual(['2024-04-16', '2025-07-10']);
    expect(r.import.spans[0]!.from).toBe(r.import.firstTs);
    expect(r.import.spans[1]!.to).toBe(r.import.lastTs);
  });

  itCorpus('first and last times match the decoder summary', async () => {
    for (const path of inputs) {
      const r = results.get(path);
      if (r?.status !== 'imported') throw new Error(`${path} was not imported`);
      const s = await summarizeFtdc([path]);
      const firsts = s.files.map((f) => f.firstTs).filter((x): x is string => x !== null);
      const lasts = s.files.map((f) => f.lastTs).filter((x): x is string => x !== null);
      expect(new Date(r.import.firstTs!).toISOString()).toBe(firsts.sort()[0]);
      expect(new Date(r.import.lastTs!).toISOString()).toBe(lasts.sort().at(-1));
      expect(r.import.samples).toBe(s.files.reduce((n, f) => n + f.samples, 0));
      expect(r.import.chunks).toBe(s.files.reduce((n, f) => n + f.chunks, 0));
    }
  });

  itCorpus('query back equals the decoded values: each file, a spread of metrics, all their samples, raw', async () => {
    const store = t.core.store;
    let checked = 0;
    for (const path of inputs) {
      const r = results.get(path);
      if (r?.status !== 'imported') throw new Error(`${path} was not imported`);
      const node = r.import.nodes[0]!;
      const files = path.endsWith('.bson') ? [path] : readdirSync(path).map((f) => join(path, f));
      for (const file of files) {
        // Per file: metric → (ts → value) as decoded; a later file's sample at the same time wins, as in the store.
        const want = new Map<string, Map<number, number>>();
        let pickNames: string[] | null = null;
        for await (const ev of readFtdc(file)) {
          if (ev.kind !== 'chunk') continue;
          if (!pickNames) {
            const m = mapColumns(ev.names);
            const names = [...m.nodeNames, ...m.hostNames];
            const must = ['serverStatus.opcounters.insert', 'serverStatus.uptimeMillis', 'serverStatus.mem.resident', 'systemMetrics.cpu.user_ms'];
            pickNames = [...must.filter((n) => names.includes(n)), ...names.filter((_, i) => i % 97 === 0)];
          }
          for (let i = 0; i < ev.names.length; i++) {
            const name = storedMetricName(ev.names[i]!);
            if (!pickNames.includes(name)) continue;
            let m = want.get(name);
            if (!m) want.set(name, (m = new Map()));
            const col = ev.columns[i]!;
            for (let j = 0; j < ev.samples; j++) if (Number.isSafeInteger(ev.ts[j]!) && !m.has(ev.ts[j]!)) m.set(ev.ts[j]!, col[j]!);
          }
        }
        expect(pickNames?.length ?? 0).toBeGreaterThan(4);
        for (const [metric, byTs] of want) {
          const entity = metric.startsWith('systemMetrics.') ? `host:${node.hostId}` : `node:${node.nodeId}`;
          const ts = [...byTs.keys()].sort((a, b) => a - b);
          const got = new Map(store.query(entity, metric, ts[0]!, ts.at(-1)!).map((p) => [p.ts, p.value]));
          for (const x of ts) {
            const v = byTs.get(x)!;
            if (!Number.isFinite(v)) continue;
            if (got.get(x) !== v) expect.fail(`${basename(file)} ${metric} @${x}: stored ${got.get(x)} != decoded ${v}`);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(50_000);
  }, 60_000);

  itCorpus('charts read imports like live history: opcounter rates and host CPU through metrics.query', async () => {
    const r = results.get(B1RON);
    if (r?.status !== 'imported') throw new Error('not imported');
    const { lastTs, nodes } = r.import;
    // The 2025 file's last four hours (the folder also holds an hour from 2024: a year-wide chart has a few points).
    const firstTs = lastTs! - 4 * 3_600_000;
    const q = await t.client.invoke('metrics.query', {
      entity: `node:${nodes[0]!.nodeId}`,
      metrics: ['serverStatus.opcounters.query', 'serverStatus.connections.current'],
      from: firstTs!,
      to: lastTs!,
      maxPoints: 600,
    });
    const [ops, conns] = q.series;
    expect(ops!.unit).toBe('ops/s');
    const values = ops!.points.map((p) => p[1]).filter((v): v is number => v !== null);
    expect(values.length).toBeGreaterThan(100);
    expect(values.every((v) => v >= 0)).toBe(true);
    expect(conns!.points.some((p) => p[1] !== null)).toBe(true);
    const cpu = await t.client.invoke('metrics.query', { entity: `host:${nodes[0]!.hostId}`, metrics: ['systemMetrics.cpu.user_ms', 'systemMetrics.cpu.num_cpus'], from: firstTs!, to: lastTs!, maxPoints: 600 });
    expect(cpu.series[0]!.kind).toBe('counter');
    expect(cpu.series[0]!.points.filter((p) => p[1] !== null).length).toBeGreaterThan(100);
    expect(cpu.series[1]!.points.find((p) => p[1] !== null)?.[1]).toBeGreaterThan(0);
    // The series browser lists FTDC-only series too (replication, transport layer stats, ...).
    const series = await t.client.invoke('metrics.listSeries', { entity: `node:${nodes[0]!.nodeId}` });
    expect(series.length).toBeGreaterThan(1500);
    expect(series.some((s) => s.metric.startsWith('transportLayerStats.'))).toBe(true);
  });

  itCorpus('the metadata fills the node and host facts', async () => {
    const f = await t.client.invoke('ftdc.facts', { entity: 'host:lps-156814' });
    expect(f).toMatchObject({ hostname: 'lps-156814', version: '4.0.4' });
    expect(f!.os).toMatch(/Windows/);
    expect(f!.facts).toContainEqual({ label: 'Cores', value: '4' });
    const n = await t.client.invoke('ftdc.facts', { entity: 'node:imported/byron-thinkcentre-m910q:27017' });
    expect(n?.facts.find((x) => x.label === 'MongoDB')?.value).toBe('7.0.0-rc6');
    expect((n?.hostInfo as { system?: { hostname?: string } }).system?.hostname).toBe('byron-ThinkCentre-M910q');
    expect(await t.client.invoke('ftdc.facts', { entity: 'host:nowhere' })).toBeNull();
  });

  itCorpus('re-importing the same files is recognised and writes nothing', async () => {
    const before = t.core.store.listSeries(`node:imported/byron-thinkcentre-m910q:27017`).reduce((n, s) => n + s.count, 0);
    const preview = await t.client.invoke('ftdc.preview', { paths: [B1RON] });
    const first = results.get(B1RON);
    expect(preview.files.map((f) => f.importedAs)).toEqual(preview.files.map(() => (first?.status === 'imported' ? first.import.id : -1)));
    expect(preview.totalBytes).toBe(preview.files.reduce((n, f) => n + f.bytes, 0));
    const again = await t.client.invoke('ftdc.import', { paths: [B1RON] });
    expect(again.status).toBe('duplicate');
    const after = t.core.store.listSeries(`node:imported/byron-thinkcentre-m910q:27017`).reduce((n, s) => n + s.count, 0);
    expect(after).toBe(before);
    expect((await t.client.invoke('ftdc.list', {})).length).toBe(3);
  });

  itCorpus('delete removes the samples, the registry row and the offline node; both actions are audited', async () => {
    const r = results.get(SUITCASE);
    if (r?.status !== 'imported') throw new Error('not imported');
    const del = await t.client.invoke('ftdc.delete', { id: r.import.id });
    expect(del.samples).toBe(r.import.values);
    expect(t.core.store.listSeries('node:imported/lps-156814:48936')).toEqual([]);
    expect(t.core.store.listSeries('host:lps-156814')).toEqual([]);
    expect((await t.client.invoke('ftdc.list', {})).map((s) => s.id)).not.toContain(r.import.id);
    const imported = (await t.client.invoke('connections.list', {})).find((c) => c.id === 'imported');
    expect(imported?.nodes.map((n) => n.id)).not.toContain('imported/lps-156814:48936');
    expect(imported?.nodes.map((n) => n.id)).toContain('imported/byron-thinkcentre-m910q:27017');
    const audit = t.core.audit.list({ limit: 100 });
    expect(audit.filter((a) => a.action === 'ftdc.import' && a.kind === 'outcome' && a.result === 'ok')).toHaveLength(3);
    expect(audit.filter((a) => a.action === 'ftdc.delete' && a.kind === 'outcome' && a.result === 'ok')).toHaveLength(1);
    // The files can be imported again once their import is gone.
    const again = await t.client.invoke('ftdc.import', { paths: [SUITCASE] });
    expect(again.status).toBe('imported');
  });
});

describe('FTDC import: failures leave nothing', () => {
  const dir = tempDir('baleen-ftdc-import-');
  let t: TestCore;
  beforeAll(() => {
    t = startTestCore({ dataDir: join(dir, 'data') });
  });
  afterAll(async () => t?.stop());

  it('a cancel mid-import deletes the batch, the registry row and makes no node', async () => {
    const dd = join(dir, 'big');
    mkdirSync(dd);
    for (let f = 0; f < 4; f++) writeFileSync(join(dd, `metrics.2024-07-01T1${f}-00-00Z-00000`), synthetic(f * 3000, 3000, { hostname: 'cancel-me' }).bytes);
    const ac = new AbortController();
    const seen = progressOf(t, 'cancel');
    const call = t.client.invoke('ftdc.import', { paths: [dd], jobId: 'cancel' }, { signal: ac.signal });
    // Abort once samples are in the store: the import is genuinely half-way.
    const off = t.client.on('ftdc.progress', (p) => {
      if (p.jobId === 'cancel' && p.chunks >= 5) ac.abort();
    });
    await expect(call).rejects.toMatchObject({ code: 'E_CANCELLED' });
    off();
    await t.core.imports.ready;
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.some((p) => p.chunks >= 5)).toBe(true);
    expect(seen.at(-1)?.phase).toBe('cancelled');
    expect(t.core.store.listImports()).toEqual([]);
    expect(t.core.store.listSeries('node:imported/cancel-me:27017')).toEqual([]);
    expect(t.core.store.listSeries('host:cancel-me')).toEqual([]);
    expect(await t.client.invoke('ftdc.list', {})).toEqual([]);
    expect((await t.client.invoke('connections.list', {})).find((c) => c.id === 'imported')).toBeUndefined();
    const audit = t.core.audit.list({ action: 'ftdc.import' });
    expect(audit.find((a) => a.kind === 'outcome')?.result).toBe('error');
  });

  it('a corrupt file in a folder is reported with file and offset; the rest imports', async () => {
    const dd = join(dir, 'corrupt');
    mkdirSync(dd);
    const a = synthetic(0, 120, { hostname: 'db1.example.net', port: 27018 });
    const b = synthetic(120, 120, { hostname: 'db1.example.net', port: 27018 });
    writeFileSync(join(dd, 'metrics.2024-07-01T10-00-00Z-00000'), a.bytes);
    const bad = Buffer.from(b.bytes);
    const at = b.chunks[1]!.offset;
    bad[at + 60] = bad[at + 60]! ^ 0xff; // inside the second chunk's compressed payload
    writeFileSync(join(dd, 'metrics.2024-07-01T10-02-00Z-00000'), bad);
    writeFileSync(join(dd, 'metrics.2024-07-01T10-04-00Z-00000'), Buffer.from('not ftdc at all, just text'));
    const r = await t.client.invoke('ftdc.import', { paths: [dd], label: 'customer A' });
    if (r.status !== 'imported') throw new Error('not imported');
    expect(r.import.label).toBe('customer A');
    expect(r.import.errorCount).toBeGreaterThanOrEqual(2);
    expect(r.import.errors).toContainEqual(expect.objectContaining({ file: join(dd, 'metrics.2024-07-01T10-02-00Z-00000'), offset: at }));
    expect(r.import.errors.some((e) => e.file.endsWith('10-04-00Z-00000'))).toBe(true);
    // Everything but the bad chunk (60 samples) arrived.
    expect(r.import.samples).toBe(240 - 60);
    const pts = t.core.store.query('node:imported/db1.example.net:27018', 'serverStatus.opcounters.insert', T0, T0 + 300_000);
    expect(pts).toHaveLength(180);
    expect(pts[0]).toEqual({ ts: T0, value: 100 });
    const cpu = t.core.store.query('host:db1.example.net', 'systemMetrics.cpu.user_ms', T0, T0 + 300_000);
    expect(cpu).toHaveLength(180);
  });

  it('sample times before 1970 (a corrupt start) are left out, and the summary stays valid', async () => {
    const dd = join(dir, 'pre1970');
    mkdirSync(dd);
    const samples = Array.from({ length: 20 }, (_, i) => ({ start: new Date(i < 5 ? -86_400_000 + i : T0 + i * 1000), serverStatus: { opcounters: { insert: new Long(i) } } }));
    writeFileSync(join(dd, 'metrics.2024-07-01T10-00-00Z-00000'), encodeFtdcFile(samples, { metadata: { start: new Date(T0), hostInfo: { system: { hostname: 'old-clock' } } } }).bytes);
    const r = await t.client.invoke('ftdc.import', { paths: [dd] });
    if (r.status !== 'imported') throw new Error('not imported');
    expect(r.import.firstTs).toBe(T0 + 5000);
    expect(r.import.files[0]!.firstTs).toBe(T0 + 5000);
    expect(t.core.store.query('node:imported/old-clock:27017', 'serverStatus.opcounters.insert', 0, T0 + 60_000)).toHaveLength(15);
    expect((await t.client.invoke('ftdc.list', {})).some((s) => s.id === r.import.id)).toBe(true);
  });

  it("8.0 role-prefixed collectors land on the same ids as live polling", async () => {
    const dd = join(dir, 'roles');
    mkdirSync(dd);
    writeFileSync(join(dd, 'metrics.2024-07-01T10-00-00Z-00000'), synthetic(0, 30, { hostname: 'shard-a', port: 27019, roles: true }).bytes);
    const r = await t.client.invoke('ftdc.import', { paths: [dd] });
    if (r.status !== 'imported') throw new Error('not imported');
    expect(r.import.nodes[0]).toMatchObject({ nodeId: 'imported/shard-a:27019', hostId: 'shard-a', version: '8.0.4' });
    const metrics = t.core.store.listSeries('node:imported/shard-a:27019').map((s) => s.metric);
    expect(metrics).toContain('serverStatus.opcounters.insert');
    expect(metrics.some((m) => m.startsWith('shard.') || m.startsWith('common.'))).toBe(false);
    expect(t.core.store.listSeries('host:shard-a').map((s) => s.metric)).toContain('systemMetrics.cpu.user_ms');
  });

  it('bad paths are typed errors', async () => {
    await expect(t.client.invoke('ftdc.import', { paths: [join(dir, 'nope')] })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(t.client.invoke('ftdc.import', { paths: ['relative/path'] })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    await expect(t.client.invoke('ftdc.import', { paths: [dir] })).rejects.toMatchObject({ code: 'E_NOT_FOUND' }); // no metrics.* files
    await expect(t.client.invoke('ftdc.delete', { id: 999 })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    // No native picker outside the desktop shell: the user types a path.
    await expect(t.client.invoke('ftdc.pickPaths', { kind: 'folder' })).rejects.toMatchObject({ code: 'E_UNSUPPORTED' });
  });

  it('an import that died half-way is removed at the next start', async () => {
    // What a crash leaves: a batch with samples and a `running` registry row.
    const store = t.core.store;
    const batch = store.openBatch('ftdc', 'crashed');
    store.appendColumns(batch, 'node:imported/crash:27017', Float64Array.of(T0, T0 + 1000), [{ metric: 'serverStatus.opcounters.insert', values: Float64Array.of(1, 2) }]);
    const reg = new ImportRegistry(betterSqliteDriver(), join(dir, 'data', 'imports.db'));
    reg.begin(batch, 'crashed', T0, []);
    reg.close();
    const kept = (await t.client.invoke('ftdc.list', {})).map((s) => s.id);
    await t.stop();
    t = startTestCore({ dataDir: join(dir, 'data') });
    await t.core.imports.ready;
    expect(t.core.store.listImports().map((b) => b.id).sort()).toEqual([...kept].sort());
    expect(t.core.store.listSeries('node:imported/crash:27017')).toEqual([]);
    expect((await t.client.invoke('ftdc.list', {})).map((s) => s.id).sort()).toEqual([...kept].sort());
  });
});

describe('FTDC import: identity and retention (service on its own store)', () => {
  const dir = tempDir('baleen-ftdc-svc-');

  /** The import service on its own databases (named by `prefix`), and how to close them all. */
  function ownService(prefix: string, clock: ManualClock, storeOpts: Omit<ChunkStoreOptions, 'clock'>, emit?: (p: FtdcImportProgress) => void) {
    const driver = betterSqliteDriver();
    const store = new ChunkStore(driver, join(dir, `${prefix}metrics.db`), { clock, maintenanceIntervalMs: 0, ...storeOpts });
    const config = new ConfigStore(driver, join(dir, `${prefix}config.db`));
    const audit = new AuditLog(driver, join(dir, `${prefix}audit.db`), clock);
    const registry = new ImportRegistry(driver, join(dir, `${prefix}imports.db`));
    const svc = new FtdcImportService({ store, nodes: config, audit, registry, clock, log: silentLogger, ...(emit ? { emit } : {}) });
    const close = async () => {
      await svc.ready;
      store.close();
      config.close();
      audit.close();
      registry.close();
    };
    return { store, config, svc, close };
  }

  it('an alias of a known node maps the import onto it; retention never evicts the import (REL-D7)', async () => {
    // Retention forced to its tightest: every live sample is over age and the size cap is 1 byte.
    const { store, config, svc, close } = ownService('', new ManualClock(T0 + 400 * 86_400_000), { retention: { rawMs: 1, tier1Ms: 1, tier2Ms: 1, maxBytes: 1 } });
    const live = makeNodeId('prod', 'db1.example.net:27017');
    config.saveProfile({ id: 'prod', name: 'prod', uri: 'mongodb://db1.example.net/', createdAt: T0, monitoring: false }, [
      { id: live, connectionId: 'prod', deployment: 'prod', hostPort: 'db1.example.net:27017', dialAddress: 'db1.example.net:27017', version: null, server: null, setName: null, monitoring: false },
    ], [{ alias: 'DB1.example.net:27017', nodeId: live, source: 'seed' }]);
    try {
      const dd = join(dir, 'dd');
      mkdirSync(dd);
      const f = synthetic(0, 200, { hostname: 'db1.example.net' });
      writeFileSync(join(dd, 'metrics.2024-07-01T10-00-00Z-00000'), f.bytes);
      // A live sample too, so retention has something it may evict.
      const liveBatch = store.openBatch('live');
      store.append(liveBatch, `node:${live}`, T0 + 500_000, { 'serverStatus.opcounters.insert': 5 });
      store.flush();
      const r = await svc.import({ paths: [dd] }, 'test');
      if (r.status !== 'imported') throw new Error('not imported');
      expect(r.import.nodes[0]).toMatchObject({ nodeId: live, created: false });
      expect(config.nodesOf('imported')).toEqual([]);
      const before = store.query(`node:${live}`, 'serverStatus.opcounters.insert', T0, T0 + 199_000);
      expect(before).toHaveLength(200);
      const report = await store.runMaintenance();
      expect(report.overCap).toBe(true);
      expect(store.query(`node:${live}`, 'serverStatus.opcounters.insert', T0, T0 + 199_000)).toEqual(before);
      expect(store.query(`node:${live}`, 'serverStatus.opcounters.insert', T0 + 500_000, T0 + 500_000)).toEqual([]);
      expect(store.query('host:db1.example.net', 'systemMetrics.cpu.user_ms', T0, T0 + 199_000)).toHaveLength(200);
      expect(svc.list().map((s) => s.id)).toEqual([r.import.id]);
    } finally {
      await close();
    }
  });

  it('runs with V8\'s own heap growth and puts the tight heap back after (heap policy)', async () => {
    const during = new Set<number | null>();
    const { svc, close } = ownService('heap-', new ManualClock(T0), {}, (p) => p.phase === 'importing' && during.add(heapGrowingPercent()));
    try {
      keepHeapTight();
      const dd = join(dir, 'dd-heap');
      mkdirSync(dd);
      writeFileSync(join(dd, 'metrics.2024-07-01T10-00-00Z-00000'), synthetic(0, 50, { hostname: 'heap.example.net' }).bytes);
      const r = await svc.import({ paths: [dd] }, 'test');
      expect(r.status).toBe('imported');
      expect([...during]).toEqual([0]);
      expect(heapGrowingPercent()).toBe(STEADY_GROWING_PERCENT);
    } finally {
      await close();
    }
  });

  it('files copied elsewhere are still recognised by their content', async () => {
    if (!corpusPresent) return;
    const a = join(dir, 'copy-a');
    const b = join(dir, 'copy-b');
    mkdirSync(a);
    mkdirSync(b);
    for (const f of readdirSync(SUITCASE)) {
      copyFileSync(join(SUITCASE, f), join(a, f));
      copyFileSync(join(SUITCASE, f), join(b, `metrics.renamed-${f.slice(8)}`));
    }
    const t = startTestCore();
    try {
      expect((await t.client.invoke('ftdc.import', { paths: [a] })).status).toBe('imported');
      const again = await t.client.invoke('ftdc.import', { paths: [b] });
      expect(again.status).toBe('duplicate');
      expect(readFileSync(join(b, `metrics.renamed-interim`)).length).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});

describe('FTDC names → Baleen series', () => {
  it('strips 8.0 role prefixes and splits host collectors off, first column wins', () => {
    expect(storedMetricName('shard.serverStatus.opcounters.insert')).toBe('serverStatus.opcounters.insert');
    expect(storedMetricName('common.systemMetrics.cpu.user_ms')).toBe('systemMetrics.cpu.user_ms');
    const m = mapColumns(['start', 'shard.serverStatus.uptimeMillis', 'common.systemMetrics.cpu.user_ms', 'serverStatus.uptimeMillis', 'end']);
    expect(m.nodeNames).toEqual(['start', 'serverStatus.uptimeMillis', 'end']);
    expect([...m.nodeIdx]).toEqual([0, 1, 4]);
    expect(m.hostNames).toEqual(['systemMetrics.cpu.user_ms']);
  });

  it('host series have catalogue definitions (Linux and Windows), so counters chart as rates', () => {
    const kind = (id: string) => hostMetricDef(id)?.kind;
    expect(kind('systemMetrics.cpu.user_ms')).toBe('counter');
    expect(kind('systemMetrics.cpu.num_cpus')).toBe('gauge');
    expect(kind('systemMetrics.memory.MemAvailable_kb')).toBe('gauge');
    expect(hostMetricDef('systemMetrics.memory.MemAvailable_kb')?.unit).toBe('kB');
    expect(kind('systemMetrics.disks.nvme0n1.read_sectors')).toBe('counter');
    expect(kind('systemMetrics.disks.sda.io_in_progress')).toBe('gauge');
    expect(kind('systemMetrics.netstat.IpExt:InOctets')).toBe('counter');
    expect(kind('systemMetrics.mounts./var/lib/mongo.available')).toBe('gauge');
    expect(kind('systemMetrics.vmstat.pgmajfault')).toBe('counter');
    expect(kind('systemMetrics.cpu.\\Processor\\% User Time')).toBe('counter');
    expect(kind('systemMetrics.cpu.\\System\\Processes')).toBe('gauge');
    expect(kind('systemMetrics.memory.\\Memory\\Available Bytes')).toBe('gauge');
    expect(kind('systemMetrics.disks.0 C:.\\PhysicalDisk\\Disk Read Bytes/sec')).toBe('counter');
    expect(kind('systemMetrics.disks.0 C:.\\PhysicalDisk\\Current Disk Queue Length')).toBe('gauge');
    expect(hostMetricDef('systemMetrics.start')).toBeUndefined();
    expect(hostMetricDef('serverStatus.opcounters.insert')).toBeUndefined();
    expect(metricDef('systemMetrics.cpu.iowait_ms')?.group).toBe('host');
  });
});

describe('FTDC metadata → identity', () => {
  const meta = (hostname: unknown, net?: unknown, extra: Record<string, unknown> = {}) => ({ hostInfo: { system: { hostname } }, getCmdLineOpts: { parsed: net === undefined ? {} : { net } }, ...extra });

  it('takes the port from net.port, else from the hostname, else 27017', () => {
    expect(identityOf(meta('DB1.Example.net', { port: 27018 }))).toMatchObject({ hostId: 'db1.example.net', hostPort: 'db1.example.net:27018' });
    expect(identityOf(meta('LPS-156814:48936'))).toMatchObject({ hostId: 'lps-156814', hostPort: 'lps-156814:48936' });
    expect(identityOf(meta('db2'))).toMatchObject({ hostPort: 'db2:27017' });
    expect(identityOf(meta('db3', { port: '27019' }))?.hostPort).toBe('db3:27019');
    expect(identityOf(meta('db4', { port: 70000 }))?.hostPort).toBe('db4:27017');
  });

  it('handles IPv6 names, 8.0 role documents and replica set names; refuses what names no host', () => {
    expect(identityOf(meta('fe80::1'))?.hostPort).toBe('[fe80::1]:27017');
    expect(identityOf({ common: meta('shard-b', { port: 27020 }) })).toMatchObject({ hostPort: 'shard-b:27020' });
    expect(identityOf(meta('rs-a', undefined, { getCmdLineOpts: { parsed: { replication: { replSetName: 'rs9' } } } }))?.setName).toBe('rs9');
    expect(identityOf(meta(''))).toBeNull();
    expect(identityOf(meta(42))).toBeNull();
    expect(identityOf(meta('x'.repeat(300)))).toBeNull();
    expect(identityOf({ hostInfo: 'nope' })).toBeNull();
    expect(identityOf({ __proto__: { hostInfo: { system: { hostname: 'inherited' } } } })).toBeNull();
  });

  it('facts are strings a page can show', () => {
    const f = factsOf({ hostInfo: { system: { hostname: 'h', numCores: 8, memSizeMB: 32_000 }, os: { name: 'Ubuntu', version: '24.04' } }, buildInfo: { version: '8.0.4' }, getCmdLineOpts: null });
    expect(f).toEqual([
      { label: 'Hostname', value: 'h' },
      { label: 'OS', value: 'Ubuntu 24.04' },
      { label: 'Cores', value: '8' },
      { label: 'Memory', value: '32000 MB' },
      { label: 'MongoDB', value: '8.0.4' },
    ]);
  });
});
