// FUZZ-2: the FTDC decoder under mutated real and synthetic chunks. Only typed errors escape (bad
// bytes become `error` events), no chunk costs more than its caps whatever its length fields say,
// no input takes long, prototypes stay untouched. Counterexamples land in
// test/fuzz-regressions/ftdc/, which is replayed on every run.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { deserialize, Long, serialize, Timestamp, type Binary } from '../../src-main/core/bson/bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BaleenError } from '../../src-shared/domain/errors';
import { FTDC_LIMITS, decodeFtdcBuffer, readFtdc } from '../../src-main/core/ftdc';
import {
  buildPayload,
  chunkDocument,
  encodeDeltaStream,
  encodeFtdcFile,
  encodeVarint,
  metadataDocument,
  referenceMetrics,
  type PayloadParts,
} from '../../src-main/core/ftdc/ftdc-reference.fixture';

const REGRESSIONS = resolve(process.cwd(), 'test/fuzz-regressions/ftdc');
const CORPUS = resolve(process.cwd(), '../shared/corpus');
const CHUNK_BYTES_CAP = 64 * 1024 * 1024;

type Doc = { kind: 'raw'; bytes: Buffer } | { kind: 'chunk'; id: Date; parts: PayloadParts };

function synthetic(): Doc[] {
  const T0 = Date.UTC(2024, 2, 3);
  const samples = Array.from({ length: 70 }, (_, i) => ({
    start: new Date(T0 + i * 1000),
    serverStatus: {
      pid: new Long(99),
      opcounters: { insert: new Long(i * 13), query: i % 5 },
      big: Long.fromBigInt((1n << 62n) - BigInt(i) * 987_654_321n),
      repl: { ts: new Timestamp({ t: 1_709_424_000 + i, i: 1 }), flag: i % 2 === 0 },
      ...(i >= 50 ? { late: new Long(i) } : {}),
    },
    end: new Date(T0 + i * 1000 + 1),
  }));
  const enc = encodeFtdcFile(samples, { maxDeltas: 30 });
  const docs: Doc[] = [
    { kind: 'raw', bytes: metadataDocument(new Date(T0), { start: new Date(T0), hostInfo: { system: { hostname: 'fuzz' } } }) },
    { kind: 'raw', bytes: metadataDocument(new Date(T0), { start: new Date(T0), getParameter: { x: 1 } }, 2, 0) },
  ];
  for (const c of enc.chunks) {
    const firstSample = samples.find((s) => s.start.getTime() === c.id.getTime())!;
    const ref = Buffer.from(serialize(firstSample));
    docs.push({ kind: 'chunk', id: c.id, parts: { ref, metricsCount: c.columns.length, sampleCount: c.columns[0]!.length - 1, stream: encodeDeltaStream(c.columns) } });
  }
  return docs;
}

/** Splits a real file into documents, keeping chunk payloads as parts so they can be mutated structurally. */
function splitFile(bytes: Buffer): Doc[] {
  const docs: Doc[] = [];
  let off = 0;
  while (off + 4 <= bytes.length) {
    const len = bytes.readInt32LE(off);
    if (len === 0) break;
    const raw = bytes.subarray(off, off + len);
    const d = deserialize(raw);
    if (d.type === 1) {
      const body = inflateSync((d.data as Binary).buffer.subarray(4));
      const refLen = body.readInt32LE(0);
      docs.push({
        kind: 'chunk',
        id: d._id as Date,
        parts: { ref: body.subarray(0, refLen), metricsCount: body.readUInt32LE(refLen), sampleCount: body.readUInt32LE(refLen + 4), stream: body.subarray(refLen + 8) },
      });
    } else docs.push({ kind: 'raw', bytes: Buffer.from(raw) });
    off += len;
  }
  return docs;
}

const SEEDS: Doc[][] = [synthetic()];
for (const f of ['suitcase-mongo/diagnostic.data/metrics.2019-02-14T19-38-43Z-00000', 'b1ron-ftdc/files/diagnostic.data/metrics.interim']) {
  const p = resolve(CORPUS, f);
  if (existsSync(p)) SEEDS.push(splitFile(readFileSync(p)));
}
if (SEEDS.length === 1) console.warn(`[ftdc-fuzz] ${CORPUS} not found: fuzzing synthetic chunks only`);

const BOMB = deflateSync(Buffer.alloc(24 * 1024 * 1024));

const frac = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const Mutation = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: frac }),
  fc.record({ op: fc.constant('flip' as const), flips: fc.array(fc.tuple(frac, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 12 }) }),
  fc.record({
    op: fc.constant('int32' as const),
    at: frac,
    value: fc.constantFrom(0, 1, 4, 5, 0x7fffffff, -1, -5, 10_000_001, 16 * 1024 * 1024 + 16 * 1024 + 1, 0x40000000),
  }),
  fc.record({ op: fc.constant('garbage' as const), at: frac, bytes: fc.uint8Array({ maxLength: 48 }) }),
  fc.record({ op: fc.constant('declared' as const), doc: fc.nat(), value: fc.oneof(fc.integer({ min: 10_000_001, max: 0xffffffff }), fc.integer({ min: 0, max: 64 })) }),
  fc.record({ op: fc.constant('bomb' as const), doc: fc.nat(), declared: fc.integer({ min: 1, max: FTDC_LIMITS.maxUncompressedBytes }) }),
  fc.record({ op: fc.constant('metricsCount' as const), doc: fc.nat(), value: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 0xffffffff })) }),
  fc.record({ op: fc.constant('sampleCount' as const), doc: fc.nat(), value: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 0xffffffff })) }),
  fc.record({ op: fc.constant('cutStream' as const), doc: fc.nat(), at: frac }),
  fc.record({ op: fc.constant('zeroRun' as const), doc: fc.nat(), at: frac, count: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
  fc.record({ op: fc.constant('streamNoise' as const), doc: fc.nat(), at: frac, bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) }),
  fc.record({ op: fc.constant('refFlip' as const), doc: fc.nat(), at: frac, bit: fc.integer({ min: 0, max: 7 }) }),
);
type Mutation = typeof Mutation extends fc.Arbitrary<infer T> ? T : never;

function pickChunk(docs: Doc[], n: number): Extract<Doc, { kind: 'chunk' }> | undefined {
  const chunks = docs.filter((d): d is Extract<Doc, { kind: 'chunk' }> => d.kind === 'chunk');
  return chunks.length ? chunks[n % chunks.length] : undefined;
}

/** Applies structural mutations to documents, then byte-level ones to the file. */
function build(seed: Doc[], mutations: Mutation[]): Buffer {
  const docs: Doc[] = seed.map((d) => (d.kind === 'chunk' ? { ...d, parts: { ...d.parts } } : d));
  const payloadOverride = new Map<Doc, Buffer>();
  for (const m of mutations) {
    if (!('doc' in m)) continue;
    const c = pickChunk(docs, m.doc);
    if (!c) continue;
    const p = c.parts;
    const at = (len: number) => Math.floor(('at' in m ? m.at : 0) * (len + 1));
    switch (m.op) {
      case 'declared':
        p.declaredLength = m.value;
        break;
      case 'bomb': {
        const head = Buffer.alloc(4);
        head.writeUInt32LE(m.declared, 0);
        payloadOverride.set(c, Buffer.concat([head, BOMB]));
        break;
      }
      case 'metricsCount':
        p.metricsCount = m.value >= -3 && m.value <= 3 ? Math.max(0, p.metricsCount + m.value) : m.value;
        break;
      case 'sampleCount':
        p.sampleCount = m.value;
        break;
      case 'cutStream':
        p.stream = p.stream.subarray(0, at(p.stream.length));
        break;
      case 'zeroRun': {
        const i = at(p.stream.length);
        p.stream = Buffer.concat([p.stream.subarray(0, i), Buffer.from([0, ...encodeVarint(m.count)]), p.stream.subarray(i)]);
        break;
      }
      case 'streamNoise': {
        const i = at(p.stream.length);
        p.stream = Buffer.concat([p.stream.subarray(0, i), m.bytes, p.stream.subarray(i + m.bytes.length)]);
        break;
      }
      case 'refFlip': {
        const ref = Buffer.from(p.ref);
        const i = Math.min(ref.length - 1, at(ref.length));
        ref[i] = ref[i]! ^ (1 << m.bit);
        p.ref = ref;
        break;
      }
    }
  }
  let bytes = Buffer.concat(docs.map((d) => (d.kind === 'raw' ? d.bytes : chunkDocument(d.id, payloadOverride.get(d) ?? buildPayload(d.parts)))));
  for (const m of mutations) {
    if ('doc' in m) continue;
    if (m.op === 'truncate') bytes = bytes.subarray(0, Math.floor(m.at * (bytes.length + 1)));
    else if (m.op === 'flip') {
      bytes = Buffer.from(bytes);
      for (const [f, bit] of m.flips) if (bytes.length) bytes[Math.floor(f * bytes.length)]! ^= 1 << bit;
    } else if (m.op === 'int32' && bytes.length >= 4) {
      bytes = Buffer.from(bytes);
      bytes.writeInt32LE(m.value, Math.floor(m.at * (bytes.length - 3)));
    } else if (m.op === 'garbage') {
      const i = Math.floor(m.at * (bytes.length + 1));
      bytes = Buffer.concat([bytes.subarray(0, i), m.bytes, bytes.subarray(i)]);
    }
  }
  return bytes;
}

const protoSnapshot = () => [Object.getOwnPropertyNames(Object.prototype).sort().join(), Object.getOwnPropertyNames(Array.prototype).sort().join()];

/** The FUZZ-2 property for one input; throws (an assertion) when it does not hold. */
async function checkInput(bytes: Buffer): Promise<void> {
  const t0 = performance.now();
  let events = 0;
  try {
    for await (const ev of decodeFtdcBuffer(bytes, { file: 'fuzz' })) {
      events++;
      if (ev.kind === 'chunk') {
        expect(ev.columns.length).toBe(ev.names.length);
        expect(ev.ts.length).toBe(ev.samples);
        expect(ev.values.length).toBe(ev.names.length * ev.samples);
        expect(ev.inflatedBytes).toBeLessThanOrEqual(FTDC_LIMITS.maxUncompressedBytes);
        expect(ev.values.byteLength + ev.inflatedBytes).toBeLessThan(CHUNK_BYTES_CAP);
      } else if (ev.kind === 'error') {
        expect(ev.code).toBe('E_PARSE');
        expect(ev.offset).toBeGreaterThanOrEqual(0);
        expect(ev.offset).toBeLessThanOrEqual(bytes.length);
      }
    }
  } catch (e) {
    // Nothing may escape but a typed error (and for bad bytes not even that: they are events).
    expect(e).toBeInstanceOf(BaleenError);
    throw e;
  }
  const ms = performance.now() - t0;
  expect(ms, `decoding took ${ms.toFixed(0)} ms`).toBeLessThan(Math.min(1000, Math.max(200, (50 * bytes.length) / 1024)));
  expect(events).toBeLessThanOrEqual(bytes.length);
}

/** `ext` is `bin` for an FTDC file, `tar.bin` / `zip.bin` for an archive (replayed through its reader). */
function saveCounterexample(bytes: Buffer, note: string, ext = 'bin'): string {
  mkdirSync(REGRESSIONS, { recursive: true });
  const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.${ext}`;
  writeFileSync(resolve(REGRESSIONS, name), bytes);
  writeFileSync(resolve(REGRESSIONS, `${name}.txt`), `${note}\n`);
  return name;
}

describe('FUZZ-2 FTDC decoder', () => {
  it('FUZZ-2 replays every saved counterexample in test/fuzz-regressions/ftdc', async () => {
    const files = existsSync(REGRESSIONS) ? readdirSync(REGRESSIONS).filter((f) => f.endsWith('.bin')) : [];
    expect(files.length).toBeGreaterThan(0);
    const before = protoSnapshot();
    const scratch = mkdtempSync(resolve(tmpdir(), 'baleen-ftdc-replay-'));
    try {
      for (const f of files) {
        const bytes = readFileSync(resolve(REGRESSIONS, f));
        const archive = /\.(tar|zip)\.bin$/.exec(f)?.[1];
        if (!archive) {
          await checkInput(bytes);
          continue;
        }
        const path = resolve(scratch, `${f}.${archive}`);
        writeFileSync(path, bytes);
        try {
          for await (const ev of readFtdc(path)) if (ev.kind === 'error') expect(ev.code).toBe('E_PARSE');
        } catch (e) {
          expect(e).toBeInstanceOf(BaleenError);
        }
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    expect(protoSnapshot()).toEqual(before);
  });

  it('FUZZ-2 mutated real and synthetic chunks: only typed errors, bounded memory and time, prototypes untouched', async () => {
    const before = protoSnapshot();
    const baseMem = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const property = fc.asyncProperty(fc.nat({ max: SEEDS.length - 1 }), fc.array(Mutation, { minLength: 1, maxLength: 3 }), async (seed, mutations) => {
      await checkInput(build(SEEDS[seed]!, mutations));
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseMem);
    });
    const result = await fc.check(property, { numRuns: Number(process.env.FTDC_FUZZ_RUNS ?? 600), interruptAfterTimeLimit: 8_000 });
    if (result.failed && result.counterexample) {
      const [seed, mutations] = result.counterexample;
      const name = saveCounterexample(build(SEEDS[seed]!, mutations), `seed=${result.seed} path=${result.counterexamplePath} mutations=${JSON.stringify(mutations, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))}`);
      expect.fail(`FUZZ-2 counterexample saved as test/fuzz-regressions/ftdc/${name} (seed ${result.seed}, path ${result.counterexamplePath}): ${String(result.errorInstance)}`);
    }
    expect(result.failed).toBe(false);
    expect(result.numRuns).toBeGreaterThan(50);
    expect(protoSnapshot()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Nothing a length field says is allocated past the caps: peak external memory stays modest.
    expect(peak).toBeLessThan(256 * 1024 * 1024);
  }, 30_000);

  it('FUZZ-2 the mutations do reach the decoder’s checks (not all rejected at the framing)', async () => {
    const messages = new Set<string>();
    const seed = SEEDS[0]!;
    const cases: Mutation[] = [
      { op: 'declared', doc: 0, value: 10_000_001 },
      { op: 'bomb', doc: 0, declared: 1000 },
      { op: 'metricsCount', doc: 0, value: 1 },
      { op: 'sampleCount', doc: 0, value: 0xffffffff },
      { op: 'cutStream', doc: 0, at: 0.5 },
    ];
    for (const m of cases) {
      for await (const ev of decodeFtdcBuffer(build(seed, [m]))) if (ev.kind === 'error') messages.add(ev.message.replace(/\d+/g, 'N').replace(/ in a (varint|zero run)$/, ''));
    }
    expect([...messages].sort()).toEqual([
      'bad metric chunk: chunk declares N metrics but its reference document has N',
      'bad metric chunk: chunk declares N uncompressed bytes, over the N limit',
      'bad metric chunk: chunk inflates past its declared N bytes',
      'bad metric chunk: delta stream is truncated',
      'bad metric chunk: metrics count N × sample count N exceeds N',
    ]);
    // The reference documents of the seeds are what the fixture walks too (the seeds are sound).
    for (const s of SEEDS) for (const d of s) if (d.kind === 'chunk') expect(referenceMetrics(d.parts.ref)).toHaveLength(d.parts.metricsCount);
  });
});

// The archive readers take sizes and offsets from headers too: mutate small tar/zip archives.
function tarOf(members: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of members) {
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\x0000', 257, 'latin1');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    parts.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

function storedZipOf(members: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of members) {
    const n = Buffer.from(name);
    const loc = Buffer.alloc(30);
    loc.writeUInt32LE(0x04034b50, 0);
    loc.writeUInt32LE(data.length, 18);
    loc.writeUInt32LE(data.length, 22);
    loc.writeUInt16LE(n.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt32LE(data.length, 20);
    cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(n.length, 28);
    cen.writeUInt32LE(offset, 42);
    locals.push(loc, n, data);
    centrals.push(cen, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(members.length, 8);
  eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

describe('FUZZ-2 archive readers (tar, zip) under mutation', () => {
  it('FUZZ-2 mutated tar and zip archives yield only typed errors and leave prototypes alone', async () => {
    const dir = mkdtempSync(resolve(tmpdir(), 'baleen-ftdc-fuzz-'));
    const T0 = Date.UTC(2024, 2, 3);
    const small = encodeFtdcFile(
      Array.from({ length: 20 }, (_, i) => ({ start: new Date(T0 + i * 1000), serverStatus: { n: new Long(i * 7) }, end: new Date(T0 + i * 1000 + 1) })),
      { metadata: { start: new Date(T0), hostInfo: { system: { hostname: 'z' } } } },
    ).bytes;
    const members: [string, Buffer][] = [
      ['diagnostic.data/metrics.2024-03-03T00-00-00Z-00000', small],
      ['diagnostic.data/metrics.interim', small.subarray(0, 700)],
    ];
    const bases = [
      { ext: 'tar', bytes: tarOf(members) },
      { ext: 'zip', bytes: storedZipOf(members) },
    ];
    // The unmutated archives decode: the fuzzing starts from inputs that reach the FTDC decoder.
    for (const b of bases) {
      const p = resolve(dir, `base.${b.ext}`);
      writeFileSync(p, b.bytes);
      const kinds: string[] = [];
      for await (const ev of readFtdc(p)) kinds.push(ev.kind);
      expect(kinds, b.ext).toEqual(['metadata', 'chunk', 'metadata', 'chunk']);
    }
    const before = protoSnapshot();
    let n = 0;
    try {
      const result = await fc.check(
        fc.asyncProperty(
          fc.nat({ max: bases.length - 1 }),
          fc.array(fc.tuple(frac, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
          frac,
          async (which, edits, cut) => {
            const base = bases[which]!;
            const bytes = Buffer.from(base.bytes.subarray(0, cut < 0.2 ? Math.floor((cut / 0.2) * base.bytes.length) : base.bytes.length));
            for (const [at, v] of edits) if (bytes.length) bytes[Math.floor(at * bytes.length)] = v;
            const path = resolve(dir, `f${n++}.${base.ext}`);
            writeFileSync(path, bytes);
            const t0 = performance.now();
            try {
              for await (const ev of readFtdc(path)) if (ev.kind === 'error') expect(ev.code).toBe('E_PARSE');
            } catch (e) {
              expect(e).toBeInstanceOf(BaleenError);
            }
            expect(performance.now() - t0).toBeLessThan(1000);
          },
        ),
        { numRuns: Number(process.env.FTDC_FUZZ_RUNS ?? 600) / 4, interruptAfterTimeLimit: 6_000 },
      );
      if (result.failed && result.counterexample) {
        const [which, edits, cut] = result.counterexample;
        const base = bases[which]!;
        const bytes = Buffer.from(base.bytes.subarray(0, cut < 0.2 ? Math.floor((cut / 0.2) * base.bytes.length) : base.bytes.length));
        for (const [at, v] of edits) if (bytes.length) bytes[Math.floor(at * bytes.length)] = v;
        const name = saveCounterexample(bytes, `archive=${base.ext} seed=${result.seed} path=${result.counterexamplePath}`, `${base.ext}.bin`);
        expect.fail(`FUZZ-2 archive counterexample saved as test/fuzz-regressions/ftdc/${name}: ${String(result.errorInstance)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(protoSnapshot()).toEqual(before);
  }, 30_000);
});
