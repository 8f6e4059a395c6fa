// Every field the simulator serves must exist, with a compatible BSON type, in at least one real
// document captured from a real mongod (../shared/corpus). The corpus is optional: without it the
// suite is skipped with a notice. Nothing here is copied into the product.
//
// Sources, most authoritative first (a path is judged by the first tier that has it):
//  1. exact-7.0   FTDC files of MongoDB 7.0.0-rc6 (raw BSON: metadata buildInfo/hostInfo/getCmdLineOpts,
//                 and the serverStatus reference document of every chunk). BSON types are exact.
//  2. ejson-7.0   getMongoData output of a 7.0.37 replica set (mongosh canonical Extended JSON).
//                 mongosh keeps Int64 as Long ($numberLong: exact) but turns Int32 AND Double into JS
//                 numbers and re-encodes integral ones as $numberInt: so $numberInt accepts Int32 or
//                 Double, $numberDouble means Double, $numberLong means Int64.
//  3. exact-older FTDC of 4.2.12 and 4.0.4, serverStatus of 2.6.7, an opLatencies sub-document: exact
//                 BSON, but number kinds changed across versions, so any numeric kind is accepted here.
// One rule relaxes exact matches: WiredTiger and tcmalloc statistics are sent as Int32 when the value
// fits and as Int64 when it does not. The corpus shows it: in the 7.0 FTDC, 13 such paths (e.g.
// wiredTiger.cache."bytes currently in the cache", tcmalloc.generic.heap_size) are Int32 in some
// chunks and Int64 in others. So Int64 is accepted where the corpus shows only Int32 for a
// wiredTiger.* or tcmalloc.* path, if the served value is beyond the Int32 range.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { BSON, type Document } from '../../src-main/core/bson/bson';
import { ReplicaSetModel, type Simulator, startSimulator } from '../../src-main/core/sim';
import { RawWireClient } from '../../src-main/core/sim/testing/raw-wire-client';

const CORPUS = path.resolve(process.cwd(), '../shared/corpus');
const HAVE_CORPUS = fs.existsSync(path.join(CORPUS, 'ce-mongo-x-ray/misc/getMongoData-rs.json'));
if (!HAVE_CORPUS) console.warn(`[sim-shapes] skipped: the real-document corpus is not at ${CORPUS}`);

type Kind = 'int32' | 'int64' | 'double' | 'decimal' | 'string' | 'bool' | 'date' | 'objectId' | 'timestamp' | 'binary' | 'null' | 'array' | 'object' | 'regex' | 'other';
/** ejson-7.0 only: an integral JS number, i.e. Int32 or Double on the server. */
type EjsonKind = Kind | 'int32|double';

const NUMERIC: ReadonlySet<Kind> = new Set(['int32', 'int64', 'double', 'decimal']);
const raw = { promoteValues: false, promoteLongs: false, promoteBuffers: false } as const;

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'object') {
    const t = (v as { _bsontype?: string })._bsontype;
    switch (t) {
      case undefined:
        return 'object';
      case 'Int32':
        return 'int32';
      case 'Long':
        return 'int64';
      case 'Double':
        return 'double';
      case 'Decimal128':
        return 'decimal';
      case 'ObjectId':
        return 'objectId';
      case 'Timestamp':
        return 'timestamp';
      case 'Binary':
        return 'binary';
      case 'BSONRegExp':
        return 'regex';
      default:
        return 'other';
    }
  }
  return 'other';
}

/** path → kinds, with `[]` for array elements. */
class PathIndex<K extends string> {
  readonly paths = new Map<string, Set<K>>();
  add(p: string, k: K): void {
    let s = this.paths.get(p);
    if (s === undefined) this.paths.set(p, (s = new Set()));
    s.add(k);
  }
}

function indexExact(doc: unknown, prefix: string, into: PathIndex<Kind>): void {
  const k = kindOf(doc);
  if (prefix !== '') into.add(prefix, k);
  if (k === 'object') for (const [key, v] of Object.entries(doc as Document)) indexExact(v, prefix === '' ? key : `${prefix}.${key}`, into);
  if (k === 'array') for (const v of doc as unknown[]) indexExact(v, `${prefix}[]`, into);
}

const EJSON_WRAPPERS: Record<string, EjsonKind> = {
  $numberInt: 'int32|double',
  $numberLong: 'int64',
  $numberDouble: 'double',
  $numberDecimal: 'decimal',
  $date: 'date',
  $oid: 'objectId',
  $timestamp: 'timestamp',
  $binary: 'binary',
};

/** Walks canonical EJSON as plain JSON: a one-key `$number...`-style object is a typed leaf. */
function indexEjson(v: unknown, prefix: string, into: PathIndex<EjsonKind>): void {
  if (Array.isArray(v)) {
    into.add(prefix, 'array');
    for (const x of v) indexEjson(x, `${prefix}[]`, into);
    return;
  }
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0]! in EJSON_WRAPPERS) {
      into.add(prefix, EJSON_WRAPPERS[keys[0]!]!);
      return;
    }
    if (prefix !== '') into.add(prefix, 'object');
    for (const [key, x] of Object.entries(v)) indexEjson(x, prefix === '' ? key : `${prefix}.${key}`, into);
    return;
  }
  into.add(prefix, v === null ? 'null' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : 'double');
}

/** FTDC: a sequence of BSON documents; type 0 = metadata, type 1 = a zlib chunk led by its reference document. */
function readFtdc(file: string): { metadata: Document[]; references: Document[] } {
  const buf = fs.readFileSync(file);
  const metadata: Document[] = [];
  const references: Document[] = [];
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readInt32LE(off);
    if (len < 5 || off + len > buf.length) break;
    const d = BSON.deserialize(buf.subarray(off, off + len), raw);
    off += len;
    const type = Number((d.type as { valueOf(): unknown }).valueOf());
    if (type === 0) metadata.push(d.doc as Document);
    if (type === 1) {
      const payload = zlib.inflateSync((d.data as { buffer: Uint8Array }).buffer.subarray(4));
      references.push(BSON.deserialize(payload.subarray(0, payload.readInt32LE(0)), raw));
    }
  }
  return { metadata, references };
}

interface Corpus {
  exact70: Record<string, PathIndex<Kind>>;
  ejson70: Record<string, PathIndex<EjsonKind>>;
  older: Record<string, PathIndex<Kind>>;
}

type Section = 'serverStatus' | 'hostInfo' | 'buildInfo' | 'getCmdLineOpts' | 'hello' | 'replSetGetStatus' | 'dbStats' | 'collStats' | 'listDatabases' | 'top';
const SECTIONS: Section[] = ['serverStatus', 'hostInfo', 'buildInfo', 'getCmdLineOpts', 'hello', 'replSetGetStatus', 'dbStats', 'collStats', 'listDatabases', 'top'];

/**
 * Keys that are names, not fields (namespaces in top, index names in collStats) are compared as `*`,
 * in the served documents and in the captures alike.
 */
function normalise(section: Section, p: string): string {
  if (section === 'collStats') return p.replace(/^(storageStats\.)?indexSizes\.[^.]+/, '$1indexSizes.*');
  return p;
}

/** Namespaces hold dots, so top is normalised on the document: every namespace entry has one shape. */
function normaliseTop(doc: Document): Document {
  const totals = (doc.totals ?? {}) as Document;
  const first = Object.entries(totals).find(([k]) => k !== 'note')?.[1];
  return { ...doc, totals: { ...(totals.note !== undefined ? { note: totals.note } : {}), ...(first !== undefined ? { '*': first } : {}) } };
}

function loadCorpus(): Corpus {
  const make = <K extends string>() => Object.fromEntries(SECTIONS.map((s) => [s, new PathIndex<K>()])) as Record<Section, PathIndex<K>>;
  const c: Corpus = { exact70: make(), ejson70: make(), older: make() };
  const ftdc = (rel: string, tier: Record<string, PathIndex<Kind>>) => {
    const { metadata, references } = readFtdc(path.join(CORPUS, rel));
    for (const m of metadata) for (const s of ['hostInfo', 'buildInfo', 'getCmdLineOpts'] as const) if (m[s]) indexExact(m[s], '', tier[s]!);
    for (const r of references) if (r.serverStatus) indexExact(r.serverStatus, '', tier.serverStatus!);
  };
  for (const f of ['metrics.2025-07-10T15-58-48Z-00000', 'metrics.2024-04-16T11-34-42Z-00000']) ftdc(`b1ron-ftdc/files/diagnostic.data/${f}`, c.exact70);
  ftdc('b1ron-ftdc/files/metrics.bson', c.older);
  ftdc('suitcase-mongo/diagnostic.data/metrics.2019-02-14T19-39-23Z-00000', c.older);
  indexExact(BSON.deserialize(fs.readFileSync(path.join(CORPUS, 'dcu-mongodb_exporter/collector/fixtures/server_status.bson')), raw), '', c.older.serverStatus!);
  indexExact(
    { opLatencies: BSON.deserialize(fs.readFileSync(path.join(CORPUS, 'percona-mongodb_exporter/collector/fixtures/op_latencies.bson')), raw) },
    '',
    c.older.serverStatus!,
  );
  // Parsed as plain JSON: bson's EJSON.parse rejects this file (metrics.operatorCounters has a "$regex" key).
  const gmd = JSON.parse(fs.readFileSync(path.join(CORPUS, 'ce-mongo-x-ray/misc/getMongoData-rs.json'), 'utf8')) as { subsection: string; output: unknown }[];
  const bySubsection: Record<string, Section> = {
    server_status_info: 'serverStatus',
    host_info: 'hostInfo',
    server_build_info: 'buildInfo',
    command_line_info: 'getCmdLineOpts',
    ismaster: 'hello',
    replica_status: 'replSetGetStatus',
    'database_stats_(mb)': 'dbStats',
    // collStats run as a command: the same storage statistics $collStats nests under storageStats.
    'collection_stats_(mb)': 'collStats',
    list_of_databases: 'listDatabases',
  };
  for (const entry of gmd) {
    const s = bySubsection[entry.subsection];
    if (s === undefined) continue;
    if (s === 'collStats') {
      const { wiredTiger: _wt, ns, ...stats } = entry.output as Record<string, unknown>;
      indexEjson(stats, 'storageStats', c.ejson70.collStats!);
      indexEjson({ ns }, '', c.ejson70.collStats!);
    } else indexEjson(entry.output, '', c.ejson70[s]!);
  }
  indexExact(normaliseTop(BSON.deserialize(fs.readFileSync(path.join(CORPUS, 'dcu-mongodb_exporter/collector/fixtures/top_status.bson')), raw)), '', c.older.top!);
  for (const tier of [c.exact70, c.ejson70, c.older] as Record<string, PathIndex<string>>[]) {
    for (const section of SECTIONS) {
      const idx = tier[section]!;
      const renamed = new PathIndex<string>();
      for (const [p, kinds] of idx.paths) for (const k of kinds) renamed.add(normalise(section, p), k);
      idx.paths.clear();
      for (const [p, kinds] of renamed.paths) idx.paths.set(p, kinds);
    }
  }
  return c;
}

/** 8.0 moved the execution ticket holder's stats out of wiredTiger into queues.execution (same appendStats). */
const ALIASES: [RegExp, string][] = [[/^queues\.execution(?=\.|$)/, 'wiredTiger.concurrentTransactions']];

/** $collStats latencyStats is appended by the same histogram code as serverStatus opLatencies. */
const CROSS: Partial<Record<Section, [RegExp, Section, string]>> = { collStats: [/^latencyStats(?=\.|$)/, 'serverStatus', 'opLatencies'] };

/** Served on purpose although no capture in the corpus has them; each with its reason. */
const NOT_IN_CORPUS: Record<string, string> = {
  'hello.helloOk': 'echoed only when the client sends helloOk:true (driver handshake spec); mongosh isMaster does not',
  'collStats.host': '$collStats output names the host (documented $collStats output); the capture is the collStats command',
  'collStats.localTime': '$collStats output carries localTime (documented $collStats output); the capture is the collStats command',
  'collStats.latencyStats': 'the sub-document holding the opLatencies-shaped histograms checked against serverStatus captures',
};

const MAGNITUDE_WIDENED = /^(wiredTiger|tcmalloc)\./;

interface Verdict {
  path: string;
  served: Kind;
  tier: 'exact-7.0' | 'ejson-7.0' | 'exact-older' | 'allow-listed' | 'missing';
  ok: boolean;
  corpusKinds: string[];
}

function judge(corpus: Corpus, section: Section, path0: string, served: Kind, value: unknown): Verdict {
  // Cluster-time gossip is added to every reply of a set member: judged where captures have it.
  if (section !== 'hello' && /^(\$clusterTime|operationTime)(\.|$)/.test(path0)) return { ...judge(corpus, 'hello', path0, served, value), path: path0 };
  const cross = CROSS[section];
  if (cross && cross[0].test(path0) && path0 !== 'latencyStats') {
    const v = judge(corpus, cross[1], path0.replace(cross[0], cross[2]), served, value);
    return { ...v, path: path0 };
  }
  const p = normalise(section, path0);
  const lookup = ALIASES.reduce((q, [re, to]) => q.replace(re, to), p);
  const exact = corpus.exact70[section]!.paths.get(lookup);
  if (exact !== undefined) {
    const widened = served === 'int64' && exact.has('int32') && MAGNITUDE_WIDENED.test(lookup) && Math.abs(Number(String(value))) > 0x7fff_ffff;
    return { path: p, served, tier: 'exact-7.0', ok: exact.has(served) || widened, corpusKinds: [...exact] };
  }
  const ejson = corpus.ejson70[section]!.paths.get(lookup);
  if (ejson !== undefined) {
    const ok = ejson.has(served) || (ejson.has('int32|double') && (served === 'int32' || served === 'double'));
    return { path: p, served, tier: 'ejson-7.0', ok, corpusKinds: [...ejson] };
  }
  const older = corpus.older[section]!.paths.get(lookup);
  if (older !== undefined) {
    const ok = older.has(served) || (NUMERIC.has(served) && [...older].some((k) => NUMERIC.has(k)));
    return { path: p, served, tier: 'exact-older', ok, corpusKinds: [...older] };
  }
  const key = `${section}.${p}`;
  return { path: p, served, tier: key in NOT_IN_CORPUS ? 'allow-listed' : 'missing', ok: key in NOT_IN_CORPUS, corpusKinds: [] };
}

function judgeDocument(corpus: Corpus, section: Section, doc: Document): Verdict[] {
  const out: Verdict[] = [];
  const walk = (v: unknown, p: string) => {
    const k = kindOf(v);
    if (p !== '') out.push(judge(corpus, section, p, k, v));
    if (k === 'object') for (const [key, x] of Object.entries(v as Document)) walk(x, p === '' ? key : `${p}.${key}`);
    if (k === 'array') for (const x of v as unknown[]) walk(x, `${p}[]`);
  };
  walk(doc, '');
  // Array elements repeat their path; judge each path once per kind.
  const seen = new Set<string>();
  return out.filter((x) => !seen.has(`${x.path}|${x.served}`) && seen.add(`${x.path}|${x.served}`));
}

describe.skipIf(!HAVE_CORPUS)('sim-shapes: served documents match real MongoDB captures', () => {
  let corpus: Corpus;
  const sims: Simulator[] = [];
  const clients: RawWireClient[] = [];

  beforeAll(() => {
    corpus = loadCorpus();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(sims.map((s) => s.stop()));
  });

  /** The documents as they leave the wire, decoded without promoting any BSON number type. */
  async function served(version: string, setName: string | undefined): Promise<Record<Section, Document>> {
    const me = 'node-a.example.net:27017';
    const topology = setName === undefined ? undefined : new ReplicaSetModel({ setName, members: [me, 'node-b.example.net:27017'], lagMs: { 'node-b.example.net:27017': 2000 } });
    const sim = await startSimulator({ version, ...(topology ? { topology } : {}), me, rates: { transactions: 1 } });
    sims.push(sim);
    const c = await RawWireClient.connect(sim.port);
    clients.push(c);
    const get = (body: Document) => c.command(body, { bson: raw });
    const firstOf = async (body: Document) => ((await get(body)).cursor as { firstBatch: Document[] }).firstBatch[0]!;
    // Run a few commands so per-command metrics exist alongside the simulated ones.
    const hello = await get({ hello: 1, helloOk: true });
    await get({ isMaster: 1 });
    await get({ ping: 1 });
    await get({ nonexistentCommand: 1 });
    return {
      hello,
      serverStatus: await get({ serverStatus: 1 }),
      hostInfo: await get({ hostInfo: 1 }),
      buildInfo: await get({ buildInfo: 1 }),
      getCmdLineOpts: await get({ getCmdLineOpts: 1 }),
      replSetGetStatus: setName === undefined ? {} : await get({ replSetGetStatus: 1 }),
      dbStats: await get({ dbStats: 1, $db: 'shop' }),
      collStats: await firstOf({ aggregate: 'orders', pipeline: [{ $collStats: { storageStats: {}, latencyStats: {} } }], cursor: {}, $db: 'shop' }),
      listDatabases: await get({ listDatabases: 1 }),
      top: normaliseTop(await get({ top: 1 })),
    };
  }

  function report(version: string, verdicts: Record<Section, Verdict[]>): void {
    const all = Object.values(verdicts).flat();
    const byTier = all.reduce<Record<string, number>>((m, v) => ({ ...m, [v.tier]: (m[v.tier] ?? 0) + 1 }), {});
    console.info(`[sim-shapes] ${version}: ${all.length} paths checked, by deciding source: ${JSON.stringify(byTier)}`);
  }

  it.each([
    ['7.0.14', 'rs0'],
    ['8.0.4', 'rs0'],
    ['7.0.14', undefined],
  ])('%s (set %s): every served path exists in a real document with a compatible BSON type', async (version, setName) => {
    const docs = await served(version, setName);
    const verdicts = Object.fromEntries(SECTIONS.map((s) => [s, judgeDocument(corpus, s, docs[s])])) as Record<Section, Verdict[]>;
    report(`${version} ${setName ?? 'standalone'}`, verdicts);
    const bad = Object.entries(verdicts).flatMap(([s, vs]) => vs.filter((v) => !v.ok).map((v) => `${s}.${v.path}: served ${v.served}, ${v.tier === 'missing' ? 'in no real document' : `real ${v.corpusKinds.join('|')} (${v.tier})`}`));
    expect(bad).toEqual([]);
    // The checks mean something only if the documents are substantial and mostly decided by 7.0 captures.
    expect(verdicts.serverStatus.length).toBeGreaterThan(setName === undefined ? 230 : 250);
    // The issue-4 documents are checked too, not skipped for want of a capture.
    if (setName !== undefined) expect(verdicts.replSetGetStatus.filter((v) => v.tier === 'ejson-7.0').length).toBeGreaterThan(40);
    expect(verdicts.dbStats.every((v) => v.tier === 'ejson-7.0')).toBe(true);
    expect(verdicts.collStats.filter((v) => v.path.startsWith('storageStats.') && v.tier === 'ejson-7.0').length).toBeGreaterThan(10);
    expect(verdicts.collStats.filter((v) => v.path.startsWith('latencyStats.') && v.tier === 'exact-7.0').length).toBeGreaterThan(10);
    expect(verdicts.top.filter((v) => v.path.startsWith('totals.*.') && v.tier === 'exact-older').length).toBeGreaterThan(20);
    // (top has no capture newer than the exporter's fixture: it is judged apart, below.)
    const modern = Object.entries(verdicts).filter(([s]) => s !== 'top').flatMap(([, vs]) => vs);
    expect(modern.filter((v) => v.tier === 'exact-7.0' || v.tier === 'ejson-7.0').length / modern.length).toBeGreaterThan(0.95);
    // The 8.0 move is modelled both ways.
    if (version.startsWith('8.')) {
      expect(verdicts.serverStatus.some((v) => v.path.startsWith('queues.execution.'))).toBe(true);
      expect(verdicts.serverStatus.some((v) => v.path.startsWith('wiredTiger.concurrentTransactions'))).toBe(false);
    }
  });

  it('the checker catches a wrong number type, a wrong kind and an invented field', () => {
    const verdicts = judgeDocument(corpus, 'serverStatus', {
      pid: new BSON.Int32(1),
      uptime: new BSON.Long(1),
      connections: { current: new BSON.Long(1) },
      opcounters: { insert: 'many' },
      inventedField: new BSON.Int32(1),
      // Int32-only in the corpus; an Int64 is fine only for a value beyond the Int32 range.
      wiredTiger: { cache: { 'pages evicted by application threads': new BSON.Long(5) } },
    });
    const failed = verdicts.filter((v) => !v.ok).map((v) => v.path);
    expect(failed.sort()).toEqual(['connections.current', 'inventedField', 'opcounters.insert', 'pid', 'uptime', 'wiredTiger.cache.pages evicted by application threads']);
    // ...and accepts what the sources say is real: an Int64 for a large WiredTiger statistic, Int32 or Double for a $numberInt.
    const fine = judgeDocument(corpus, 'serverStatus', {
      wiredTiger: { cache: { 'pages evicted by application threads': BSON.Long.fromNumber(5e9) } },
      repl: { setVersion: new BSON.Int32(1) },
      flowControl: { locksPerKiloOp: new BSON.Double(0.5) },
    });
    expect(fine.every((v) => v.ok)).toBe(true);
  });
});
