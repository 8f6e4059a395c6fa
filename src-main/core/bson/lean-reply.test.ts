import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deserialize, Double, Int32, Long, serialize, type Document } from './bson';
import { MongoClient } from 'mongodb';
import { metricsOf } from '../../../src-shared/domain/metrics/catalogue';
import { extractServerStatus } from '../metrics/server-status.collector';
import { startSimulator } from '../sim';
import { ABSENT, leanField, leanValues } from './lean-reply';

// A lean reply is what the driver returns for `raw: true, useBigInt64: true`: the same bytes through
// the same deserializer the driver uses, so plain and lean views of one document can be compared.
const plain = (d: Document) => deserialize(serialize(d));
const lean = (d: Document) => deserialize(serialize(d), { raw: true, useBigInt64: true });

describe('lean replies: serverStatus read from raw BSON gives exactly what the plain document gives', () => {
  it('on the simulator, fetched both ways through the real driver', async () => {
    const sim = await startSimulator({ seed: 3 });
    const client = new MongoClient(sim.uri, { directConnection: true });
    try {
      await client.connect();
      const admin = client.db('admin');
      const p = await admin.command({ serverStatus: 1 });
      const l = await admin.command({ serverStatus: 1 }, { raw: true, useBigInt64: true });
      expect(l.wiredTiger).toBeInstanceOf(Uint8Array);
      const a = extractServerStatus(p, 'sim');
      const b = extractServerStatus(l, 'sim');
      // Counters move between the two polls; which metrics exist, and gauges that do not move, must agree.
      expect(Object.keys(b.values).sort()).toEqual(Object.keys(a.values).sort());
      expect(b.unavailable).toEqual(a.unavailable);
      expect(Object.keys(a.values).length).toBeGreaterThan(60);
      expect(b.values['serverStatus.pid']).toBe(a.values['serverStatus.pid']);
    } finally {
      await client.close();
      await sim.stop();
    }
  });

  const corpusFile = resolve(process.cwd(), '../shared/corpus/dcu-mongodb_exporter/collector/fixtures/server_status.bson');
  it.skipIf(!existsSync(corpusFile))('on a real mongod serverStatus (corpus: dcu-mongodb_exporter fixture)', () => {
    const doc = deserialize(readFileSync(corpusFile));
    const a = extractServerStatus(plain(doc), 'mongod');
    expect(Object.keys(a.values).length).toBeGreaterThan(20);
    expect(extractServerStatus(lean(doc), 'mongod')).toEqual(a);
  });

  // Documents built on the catalogue's own paths, with every kind of leaf and shape a server might send.
  const paths = metricsOf('serverStatus').filter((d) => !d.computed).map((d) => d.path);
  const leaf = fc.oneof(
    fc.double({ noNaN: false }),
    fc.integer().map((n) => new Int32(n)),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => Long.fromBigInt(n)),
    fc.double().map((n) => new Double(n)),
    fc.boolean(),
    fc.date({ noInvalidDate: true }),
    fc.string({ maxLength: 6 }),
    fc.constant(null),
    // Fresh objects each time: the builder below may use one as a section and write into it.
    fc.constant(null).map(() => ({ nested: 1 })),
    fc.constant(null).map(() => [1, 2, 3]),
  );
  const docArb = fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...paths), fc.nat({ max: 4 }), leaf), { maxLength: 60 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !k.startsWith('$') && !k.includes('.') && !k.includes('\0')), leaf, { maxKeys: 5 }),
    )
    .map(([entries, noise]) => {
      const doc: Record<string, unknown> = { ...noise };
      for (const [path, cut, value] of entries) {
        // Sometimes the document stops early (a missing section) or holds a value where a section should be.
        const keep = path.includes('*') ? path.map((k) => (k === '*' ? 'find' : k)) : path.slice(0, Math.max(1, path.length - (cut === 4 ? 1 : 0)));
        let cur = doc;
        for (let i = 0; i < keep.length - 1; i++) {
          const k = keep[i]!;
          const next = cur[k];
          if (next === null || typeof next !== 'object' || Array.isArray(next) || next instanceof Date || '_bsontype' in (next as object)) cur[k] = {};
          cur = cur[k] as Record<string, unknown>;
        }
        cur[keep[keep.length - 1]!] = value;
      }
      return doc;
    });

  it('on generated documents: every catalogue path, every leaf type, missing and misshapen sections', () => {
    fc.assert(
      fc.property(docArb, (doc) => {
        expect(extractServerStatus(lean(doc), 'x')).toEqual(extractServerStatus(plain(doc), 'x'));
      }),
      { numRuns: 300 },
    );
  });

  it('reads damaged bytes as absent, never throws', () => {
    const l = lean({ a: { b: 1, c: 'x' }, d: [1, 2] });
    const bytes = l.a as Uint8Array;
    expect(leanField(bytes, 'b')).toBe(1);
    expect(leanValues(l.d as Uint8Array)).toEqual([1, 2]);
    for (let cut = 0; cut < bytes.length; cut++) {
      const broken = Uint8Array.from(bytes.subarray(0, cut));
      expect(() => leanField(broken, 'b')).not.toThrow();
      expect(leanValues(broken)).toEqual([]);
    }
    const garbage = Uint8Array.from(bytes);
    garbage[0] = 0xff;
    expect(leanField(garbage, 'c')).toBe(ABSENT);
  });
});
