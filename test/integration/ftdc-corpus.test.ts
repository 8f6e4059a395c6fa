// Issue 7 (decoder half): every real FTDC file in ../shared/corpus decodes completely, and agrees
// with a table established independently of the decoder (the BigInt reference decoder in
// ftdc-reference.fixture.ts, cross-checked against the chunk/sample counts in corpus/SOURCES.md).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { deserialize, type Binary, type Document } from '../../src-main/core/bson/bson';
import { describe, expect, it } from 'vitest';
import { decodeFtdcBuffer, summarizeFtdc, type FtdcChunkEvent, type FtdcEvent } from '../../src-main/core/ftdc';
import { referenceDecodeChunk, referenceMetrics } from '../../src-main/core/ftdc/ftdc-reference.fixture';
import { CATALOGUE } from '../../src-shared/domain/metrics/catalogue';

const CORPUS = resolve(process.cwd(), '../shared/corpus');
const present = existsSync(resolve(CORPUS, 'b1ron-ftdc')) && existsSync(resolve(CORPUS, 'suitcase-mongo'));
if (!present) console.warn(`[ftdc-corpus] ${CORPUS} not found: real-FTDC corpus tests skipped`);

interface Row {
  file: string;
  platform: 'linux' | 'windows';
  metadataDocs: number;
  chunks: number;
  samples: number;
  metrics: number;
  firstTs: string;
  lastTs: string;
}

// Established with the BigInt reference decoder; chunks and samples also match corpus/SOURCES.md.
const TABLE: Row[] = [
  { file: 'b1ron-ftdc/files/metrics.bson', platform: 'linux', metadataDocs: 1, chunks: 5, samples: 849, metrics: 1303, firstTs: '2021-03-15T02:21:48.000Z', lastTs: '2021-03-15T02:35:56.000Z' },
  { file: 'b1ron-ftdc/files/diagnostic.data/metrics.2024-04-16T11-34-42Z-00000', platform: 'linux', metadataDocs: 1, chunks: 65, samples: 19007, metrics: 2326, firstTs: '2024-04-16T11:34:43.000Z', lastTs: '2024-04-16T16:51:29.000Z' },
  { file: 'b1ron-ftdc/files/diagnostic.data/metrics.2025-07-10T15-58-48Z-00000', platform: 'linux', metadataDocs: 1, chunks: 84, samples: 17715, metrics: 2358, firstTs: '2025-07-10T15:58:49.001Z', lastTs: '2025-07-10T20:23:20.000Z' },
  { file: 'b1ron-ftdc/files/diagnostic.data/metrics.interim', platform: 'linux', metadataDocs: 0, chunks: 1, samples: 181, metrics: 2348, firstTs: '2025-07-10T19:22:13.500Z', lastTs: '2025-07-10T19:22:31.500Z' },
  { file: 'suitcase-mongo/diagnostic.data/metrics.2019-02-14T19-38-43Z-00000', platform: 'windows', metadataDocs: 1, chunks: 1, samples: 18, metrics: 946, firstTs: '2019-02-14T19:38:43.002Z', lastTs: '2019-02-14T19:39:00.000Z' },
  { file: 'suitcase-mongo/diagnostic.data/metrics.2019-02-14T19-39-23Z-00000', platform: 'windows', metadataDocs: 1, chunks: 2, samples: 600, metrics: 946, firstTs: '2019-02-14T19:39:23.001Z', lastTs: '2019-02-14T19:49:22.000Z' },
  { file: 'suitcase-mongo/diagnostic.data/metrics.interim', platform: 'windows', metadataDocs: 0, chunks: 1, samples: 201, metrics: 946, firstTs: '2019-02-14T19:49:23.000Z', lastTs: '2019-02-14T19:52:43.000Z' },
];

async function decodeAll(bytes: Uint8Array): Promise<FtdcEvent[]> {
  const out: FtdcEvent[] = [];
  for await (const ev of decodeFtdcBuffer(bytes)) out.push(ev);
  return out;
}

/** The structure of a file read with bson + zlib only: outer documents and each chunk's header counts. */
function independentStructure(bytes: Buffer) {
  let metadataDocs = 0;
  const chunks: { payload: Uint8Array; metrics: number; deltas: number; refStart: number }[] = [];
  let off = 0;
  while (off + 4 <= bytes.length) {
    const len = bytes.readInt32LE(off);
    if (len === 0) break;
    const d = deserialize(bytes.subarray(off, off + len));
    if (d.type === 1) {
      const payload = (d.data as Binary).buffer;
      const body = inflateSync(payload.subarray(4));
      const refLen = body.readInt32LE(0);
      const ref = deserialize(body.subarray(0, refLen));
      chunks.push({ payload, metrics: body.readUInt32LE(refLen), deltas: body.readUInt32LE(refLen + 4), refStart: (ref.start as Date).getTime() });
    } else metadataDocs++;
    off += len;
  }
  return { metadataDocs, chunks };
}

describe.skipIf(!present)('FTDC corpus (real MongoDB 4.0.4 Windows, 4.2.12, 7.0 rc Linux)', () => {
  it.each(TABLE)('$file: summary matches the table', async (row) => {
    const s = await summarizeFtdc([resolve(CORPUS, row.file)]);
    expect(s.files).toHaveLength(1);
    const f = s.files[0]!;
    expect({ ...f, path: row.file }).toEqual({
      path: row.file,
      metadataDocs: row.metadataDocs,
      chunks: row.chunks,
      samples: row.samples,
      metrics: row.metrics,
      firstTs: row.firstTs,
      lastTs: row.lastTs,
      errors: [],
    });
  });

  it.each(TABLE)('$file: the table agrees with an independent read of the file structure', (row) => {
    const bytes = readFileSync(resolve(CORPUS, row.file));
    const st = independentStructure(bytes);
    expect(st.metadataDocs).toBe(row.metadataDocs);
    expect(st.chunks).toHaveLength(row.chunks);
    expect(st.chunks.reduce((n, c) => n + c.deltas + 1, 0)).toBe(row.samples);
    expect(Math.max(...st.chunks.map((c) => c.metrics))).toBe(row.metrics);
    expect(new Date(st.chunks[0]!.refStart).toISOString()).toBe(row.firstTs);
    // The last sample's time needs the deltas: decode the last chunk with the reference decoder.
    const last = referenceDecodeChunk(st.chunks.at(-1)!.payload);
    const start = last.columns[last.names.indexOf('start')]!;
    expect(new Date(Number(start.at(-1))).toISOString()).toBe(row.lastTs);
  });

  it.each(TABLE)('$file: every chunk decodes, its first sample equals its reference document, values match the reference decoder', async (row) => {
    const bytes = readFileSync(resolve(CORPUS, row.file));
    const st = independentStructure(bytes);
    // Full value comparison is BigInt-slow: all chunks of small files, a spread of chunks of big ones.
    const step = st.chunks.length > 10 ? Math.ceil(st.chunks.length / 6) : 1;
    const cpu = row.platform === 'linux' ? 'systemMetrics.cpu.user_ms' : 'systemMetrics.cpu.\\Processor\\% User Time';
    let k = 0;
    // Streamed, not collected: a big file's chunks hold hundreds of MB of Float64 values in total.
    for await (const ev of decodeFtdcBuffer(bytes)) {
      if (ev.kind === 'error') expect.fail(`${ev.offset}: ${ev.message}`);
      if (ev.kind !== 'chunk') continue;
      const c: FtdcChunkEvent = ev;
      const want = st.chunks[k];
      if (!want) expect.fail('more chunks than the file holds');
      const body = inflateSync(want.payload.subarray(4));
      const ref = referenceMetrics(body.subarray(0, body.readInt32LE(0)));
      expect(c.samples).toBe(want.deltas + 1);
      expect(c.names.length).toBe(ref.length);
      ref.forEach((m, i) => {
        if (c.names[i] !== m.name) expect.fail(`name ${i}: ${c.names[i]} != ${m.name}`);
        if (c.columns[i]![0] !== Number(BigInt.asIntN(64, m.value))) expect.fail(`${m.name}: first sample ${c.columns[i]![0]} != reference ${m.value}`);
      });
      if (k % step === 0 || k === st.chunks.length - 1) {
        const full = referenceDecodeChunk(want.payload);
        full.columns.forEach((col, m) => {
          const got = c.columns[m]!;
          for (let j = 0; j < col.length; j++) if (got[j] !== Number(col[j])) expect.fail(`${c.names[m]}[${j}]: ${got[j]} != ${col[j]}`);
        });
      }
      if (k === 0) {
        // Catalogue names are FTDC's flattened paths, found as they are: the dashboards' core series in
        // every capture (4.0 to 7.0), and most of what serverStatus records (the rest is newer servers'
        // sections, or counters that appear with activity). Computed, wildcard and non-serverStatus
        // sources (replSetGetStatus, oplog, dbStats…) are the poller's own and not FTDC paths.
        const names = new Set(c.names);
        const core = ['insert', 'query', 'update', 'delete', 'getmore', 'command'].map((op) => `serverStatus.opcounters.${op}`);
        core.push('serverStatus.connections.current', 'serverStatus.connections.available', 'serverStatus.network.bytesIn', 'serverStatus.network.bytesOut', 'serverStatus.mem.resident', 'serverStatus.uptimeMillis', 'serverStatus.pid');
        expect(core.filter((id) => !names.has(id))).toEqual([]);
        const recorded = CATALOGUE.filter((d) => d.source === 'serverStatus' && d.computed !== true && !d.path.includes('*'));
        const missing = recorded.filter((d) => !names.has(d.id)).map((d) => d.id);
        expect(missing.length / recorded.length, missing.join(', ')).toBeLessThan(0.2);
        expect(names.has(cpu)).toBe(true);
      }
      k++;
    }
    expect(k).toBe(st.chunks.length);
  });

  it('the metadata of metrics.bson equals metrics.json (whose strings have runs of spaces collapsed)', async () => {
    const evs = await decodeAll(readFileSync(resolve(CORPUS, 'b1ron-ftdc/files/metrics.bson')));
    const meta = evs.find((e) => e.kind === 'metadata');
    if (meta?.kind !== 'metadata') throw new Error('no metadata document');
    const decoded: unknown = JSON.parse(JSON.stringify({ _id: new Date(meta.id), type: meta.type, doc: meta.doc }));
    const expected: unknown = JSON.parse(readFileSync(resolve(CORPUS, 'b1ron-ftdc/files/metrics.json'), 'utf8'));
    const differing: string[] = [];
    const norm = (x: unknown, path: string): unknown => {
      if (typeof x === 'string') return x.replace(/ {2,}/g, ' ');
      if (Array.isArray(x)) return x.map((v, i) => norm(v, `${path}.${i}`));
      if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x as Document).map(([k, v]) => [k, norm(v, `${path}.${k}`)]));
      return x;
    };
    const walk = (a: unknown, b: unknown, path: string) => {
      if (typeof a === 'string' && typeof b === 'string' && a !== b) differing.push(path);
      else if (a && b && typeof a === 'object' && typeof b === 'object') for (const k of Object.keys(a)) walk((a as Document)[k], (b as Document)[k], `${path}.${k}`);
    };
    expect(norm(decoded, '')).toEqual(norm(expected, ''));
    walk(decoded, expected, '');
    expect(differing).toEqual(['.doc.buildInfo.openssl.running', '.doc.buildInfo.openssl.compiled']);
    expect(meta.doc).toMatchObject({ buildInfo: { version: '4.2.12' }, hostInfo: { system: { hostname: 'ip-10-0-0-192' } } });
  });

  it('a diagnostic.data folder summarises in time order with host and version', async () => {
    const s = await summarizeFtdc([resolve(CORPUS, 'suitcase-mongo/diagnostic.data')]);
    expect(s.files.map((f) => f.path.split('/').pop())).toEqual([
      'metrics.2019-02-14T19-38-43Z-00000',
      'metrics.2019-02-14T19-39-23Z-00000',
      'metrics.interim',
    ]);
    expect(s.version).toBe('4.0.4');
    expect(s.host).toMatch(/^LPS-156814/);
  });
});
