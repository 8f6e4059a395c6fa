// FTDC import throughput: a day of FTDC (86,400 samples × ~2,350 metrics ≈ 200 M values) into a
// fresh data folder, store writes included, against the decoder alone on the same files.
// The day is the corpus 7.0 capture's real chunks repeated and moved forward in time (each chunk's
// reference dates shifted in place, so its deltas and compression stay the real ones); without the
// corpus, a synthetic capture from the reference encoder.
// Run: npx tsx bench/ftdc-import.bench.ts [samples]   (default 86400)
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { BSON, Long } from '../src-main/core/bson/bson';
import { decodeFtdcBuffer, readFtdc } from '../src-main/core/ftdc';
import { chunkDocument, encodeFtdcFile } from '../src-main/core/ftdc/ftdc-reference.fixture';
import { openImportEnvironment } from '../src-main/core/imports/import-environment';
import { betterSqliteDriver } from '../src-main/core/store/better-sqlite3.driver';

const CORPUS_FILE = resolve(process.cwd(), '../shared/corpus/b1ron-ftdc/files/diagnostic.data/metrics.2025-07-10T15-58-48Z-00000');
const TARGET_SAMPLES = Number(process.argv[2] ?? 86_400);
const CHUNKS_PER_FILE = 100;
const DAY0 = Date.UTC(2026, 0, 5, 0, 0, 0);

/** Adds `delta` ms to every Date in a BSON document, in place (nested documents and arrays too). */
function shiftDates(doc: Uint8Array, at: number, delta: number): void {
  const dv = new DataView(doc.buffer, doc.byteOffset, doc.byteLength);
  for (const [type, , , off] of BSON.onDemand.parseToElements(doc, at)) {
    if (type === 9) dv.setBigInt64(off, dv.getBigInt64(off, true) + BigInt(delta), true);
    else if (type === 3 || type === 4) shiftDates(doc, off, delta);
  }
}

interface RawChunk {
  id: number;
  payload: Buffer;
  samples: number;
}

function realDay(): { files: Buffer[]; metadata: Buffer } {
  const bytes = readFileSync(CORPUS_FILE);
  const chunks: RawChunk[] = [];
  let metadata: Buffer | null = null;
  for (let off = 0; off < bytes.length; ) {
    const len = bytes.readInt32LE(off);
    if (len === 0) break;
    const doc = BSON.deserialize(bytes.subarray(off, off + len), { promoteBuffers: true });
    if (doc.type === 0) metadata ??= Buffer.from(bytes.subarray(off, off + len));
    if (doc.type === 1) {
      const data = doc.data as Buffer | { buffer: Uint8Array };
      const payload = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer);
      const body = inflateSync(payload.subarray(4));
      const refLen = body.readInt32LE(0);
      // Only full chunks: the short ones around restarts would make the day uneven.
      const samples = body.readUInt32LE(refLen + 4) + 1;
      if (samples === 300) chunks.push({ id: (doc._id as Date).getTime(), payload: Buffer.from(payload), samples });
    }
    off += len;
  }
  if (!metadata || chunks.length === 0) throw new Error('the corpus file has no metadata or no full chunk');
  const out: Buffer[] = [];
  let docs: Buffer[] = [];
  let samples = 0;
  let k = 0;
  const first = chunks[0]!.id;
  while (samples < TARGET_SAMPLES) {
    const c = chunks[k % chunks.length]!;
    // Chunk k starts k × 300 s into the day, whichever real chunk it repeats.
    const delta = DAY0 + k * 300_000 - c.id;
    const body = inflateSync(c.payload.subarray(4));
    shiftDates(body, 0, delta);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length, 0);
    if (docs.length === 0) {
      const meta = Buffer.from(metadata);
      shiftDates(meta, 0, DAY0 + k * 300_000 - first);
      docs.push(meta);
    }
    docs.push(chunkDocument(new Date(c.id + delta), Buffer.concat([head, deflateSync(body)])));
    samples += c.samples;
    k++;
    if (docs.length > CHUNKS_PER_FILE) {
      out.push(Buffer.concat(docs));
      docs = [];
    }
  }
  if (docs.length > 0) out.push(Buffer.concat(docs));
  return { files: out, metadata };
}

function syntheticDay(): { files: Buffer[] } {
  // 2,400 metrics: most constant, some counters, some noisy gauges; files of 3,000 samples.
  const files: Buffer[] = [];
  for (let f = 0; f * 3000 < TARGET_SAMPLES; f++) {
    const samples = Array.from({ length: Math.min(3000, TARGET_SAMPLES - f * 3000) }, (_, j) => {
      const i = f * 3000 + j;
      const ss: Record<string, unknown> = {};
      for (let m = 0; m < 2400; m++) ss[`m${m}`] = new Long(m % 10 === 0 ? i * (m + 1) : m % 10 === 1 ? (i * 7919) % 1000 : m);
      return { start: new Date(DAY0 + i * 1000), serverStatus: ss };
    });
    files.push(encodeFtdcFile(samples, { metadata: { start: new Date(DAY0), hostInfo: { system: { hostname: 'bench-host' } }, buildInfo: { version: '8.0.0' } } }).bytes);
  }
  return { files };
}

const dir = mkdtempSync(join(tmpdir(), 'baleen-ftdc-import-bench-'));
try {
  const real = existsSync(CORPUS_FILE);
  if (!real) console.log(`notice: ${CORPUS_FILE} not found; importing a synthetic day instead`);
  const t0 = performance.now();
  const { files } = real ? realDay() : syntheticDay();
  const dd = join(dir, 'diagnostic.data');
  mkdirSync(dd);
  files.forEach((b, i) => writeFileSync(join(dd, `metrics.2026-01-05T${String(i).padStart(2, '0')}-00-00Z-00000`), b));
  const inputBytes = files.reduce((n, b) => n + b.length, 0);
  console.log(`ftdc-import.input source=${real ? 'corpus-7.0-repeated' : 'synthetic'} files=${files.length} bytes=${inputBytes} built_in_ms=${Math.round(performance.now() - t0)}`);

  // The decoder alone over the same files (from disk, as the import reads them).
  let decodedValues = 0;
  let metrics = 0;
  const d0 = performance.now();
  for await (const ev of readFtdc(dd)) {
    if (ev.kind === 'chunk') {
      decodedValues += ev.values.length;
      metrics = Math.max(metrics, ev.names.length);
    } else if (ev.kind === 'error') throw new Error(`${ev.file}@${ev.offset}: ${ev.message}`);
  }
  const decodeMs = performance.now() - d0;
  void decodeFtdcBuffer; // (the in-memory decoder is bench/ftdc.bench.ts's subject)

  const dataDir = join(dir, 'data');
  const env = openImportEnvironment({ dataDir, sqlite: betterSqliteDriver() });
  const cpu0 = process.cpuUsage();
  const i0 = performance.now();
  const r = await env.service.import({ paths: [dd], label: 'bench day' }, 'bench');
  const importMs = performance.now() - i0;
  const cpu = process.cpuUsage(cpu0);
  await env.close();
  if (r.status !== 'imported') throw new Error('not imported');
  const dbBytes = ['metrics.db', 'metrics.db-wal'].map((f) => join(dataDir, f)).filter(existsSync).reduce((n, f) => n + statSync(f).size, 0);
  const s = r.import;
  const mvps = (v: number, ms: number) => (v / ms / 1000).toFixed(1);
  console.log(`ftdc-import.day samples=${s.samples} metrics=${metrics} values_decoded=${decodedValues} values_stored=${s.values} chunks=${s.chunks} errors=${s.errorCount}`);
  console.log(`ftdc-import.decode_only ms=${Math.round(decodeMs)} Mvalues_per_s=${mvps(decodedValues, decodeMs)} MB_per_s=${(inputBytes / 1e6 / (decodeMs / 1000)).toFixed(1)}`);
  console.log(
    `ftdc-import.import ms=${Math.round(importMs)} Mvalues_per_s=${mvps(s.values, importMs)} MB_per_s=${(inputBytes / 1e6 / (importMs / 1000)).toFixed(2)} cpu_s=${((cpu.user + cpu.system) / 1e6).toFixed(1)} ratio_vs_decode=${(importMs / decodeMs).toFixed(1)}x`,
  );
  console.log(`ftdc-import.store metrics_db_bytes=${dbBytes} bytes_per_value=${(dbBytes / s.values).toFixed(3)} bytes_per_sample_row=${(dbBytes / s.samples).toFixed(0)} ftdc_bytes_per_value=${(inputBytes / decodedValues).toFixed(3)}`);
  console.log(`ftdc-import.target under_60s=${importMs < 60_000 ? 'yes' : 'NO'} rss_mb=${Math.round(process.memoryUsage().rss / 1e6)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
