// FUZZ-1: the mongod log readers under mutated logv2 and legacy lines (truncation, dropped
// braces, invalid UTF-8, huge lines, 10k-deep nesting, __proto__ keys, $date variants) and real
// corpus samples. Only typed errors may escape (bad lines become unparsed records), counts stay
// consistent, time stays bounded, prototypes stay untouched. Counterexamples are saved under
// test/fuzz-regressions/logs/ and every file there is replayed on each run.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BaleenError } from '../../src-shared/domain/errors';
import { analyzeLogs, LineSplitter, LogFileReader, LogSummary, MAX_LINE_BYTES } from '../../src-main/core/logs';

const REGRESSIONS = resolve(process.cwd(), 'test/fuzz-regressions/logs');
const CORPUS = resolve(process.cwd(), '../shared/corpus');

const protoSnapshot = () => [Object.getOwnPropertyNames(Object.prototype).sort().join(), Object.getOwnPropertyNames(Array.prototype).sort().join()];

/** Non-blank lines as the splitter sees them, counted straight from the bytes. */
function nonBlankLines(bytes: Buffer): number {
  let n = 0;
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(10, start);
    const end = nl < 0 ? bytes.length : nl;
    if (end - start > MAX_LINE_BYTES) n++;
    else if (bytes.toString('utf8', start, end).replace(/^\uFEFF/, '').trim() !== '') n++;
    if (nl < 0) break;
    start = nl + 1;
  }
  return n;
}

/**
 * The FUZZ-1 property for one input; throws (an assertion) when it does not hold. Time: ≤ 50 ms per
 * KiB (floor 200 ms), ≤ 1 s; an input over the limit is timed once more, since a GC pause or a busy
 * shared machine is transient and real slowness repeats.
 */
function checkInput(bytes: Buffer, chunk = 65536): void {
  const limit = Math.min(1000, Math.max(200, (50 * bytes.length) / 1024));
  let ms = readOnce(bytes, chunk);
  if (ms >= limit) ms = Math.min(ms, readOnce(bytes, chunk));
  expect(ms, `reading took ${ms.toFixed(0)} ms for ${bytes.length} bytes`).toBeLessThan(limit);
}

function readOnce(bytes: Buffer, chunk: number): number {
  const t0 = performance.now();
  const summary = new LogSummary({ timeline: true });
  summary.beginFile('fuzz.log');
  try {
    const splitter = new LineSplitter(new LogFileReader(summary, { referenceYear: 2024 }));
    for (let i = 0; i < bytes.length; i += chunk) splitter.push(bytes.subarray(i, i + chunk));
    splitter.end();
    summary.endFile(splitter.physicalLines, bytes.length);
    const r = summary.report();
    expect(r.parsed + r.unparsed).toBe(r.lines);
    expect(r.lines).toBe(nonBlankLines(bytes));
    expect(r.slowOps.shapes.reduce((a, s) => a + s.count, 0)).toBe(r.slowOps.count);
    for (const s of r.slowOps.shapes) {
      expect(Number.isFinite(s.p95Ms) && s.p95Ms >= 0).toBe(true);
      expect(s.shape.length).toBeLessThanOrEqual(4097);
    }
    expect(() => JSON.stringify(r)).not.toThrow();
  } catch (e) {
    if (e instanceof Error && e.name === 'AssertionError') throw e;
    // Nothing may escape but a typed error.
    expect(e).toBeInstanceOf(BaleenError);
  }
  return performance.now() - t0;
}

function saveCounterexample(bytes: Buffer, note: string): string {
  mkdirSync(REGRESSIONS, { recursive: true });
  // `.in`, not `.log`: the repository ignores *.log.
  const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.in`;
  writeFileSync(resolve(REGRESSIONS, name), bytes);
  writeFileSync(resolve(REGRESSIONS, `${name}.txt`), `${note}\n`);
  return name;
}

// Seeds: generated logv2 lines of the kinds the analysis reads, and real lines from the corpus.
const dateArb = fc.oneof(
  fc.date({ min: new Date('2010-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => ({ $date: d.toISOString() })),
  fc.date({ noInvalidDate: true }).map((d) => ({ $date: d.toISOString().replace('Z', '+05:30') })),
  fc.integer({ min: -1e15, max: 1e15 }).map((n) => ({ $date: { $numberLong: String(n) } })),
  fc.constantFrom({ $date: '2024-02-30T25:61:00.000Z' }, { $date: '0001-01-01T00:00:00Z' }, { $date: 1700000000000 }, { $date: '' }, { $date: null }, '2024-01-01', { $date: '2024-01-01T00:00:00' }),
);
const filterArb = fc.oneof(
  fc.dictionary(fc.constantFrom('a', 'b.c', '$or', '$and', '__proto__', 'constructor', '$expr', 'x'), fc.jsonValue(), { maxKeys: 4 }),
  fc.jsonValue(),
);
const slowAttr = fc.record(
  {
    type: fc.constantFrom('command', 'update', 'remove'),
    ns: fc.constantFrom('db.c', 'db.$cmd', 'a.b.c', ''),
    command: fc.oneof(
      fc.record({ find: fc.constant('c'), filter: filterArb, sort: fc.jsonValue(), projection: fc.jsonValue() }, { requiredKeys: ['find'] }),
      fc.record({ aggregate: fc.constant('c'), pipeline: fc.array(fc.dictionary(fc.constantFrom('$match', '$group', '$lookup', '$sort', '$facet'), fc.jsonValue(), { maxKeys: 1 })) }),
      fc.record({ q: filterArb, u: fc.jsonValue() }),
      fc.record({ getMore: fc.integer() }),
    ),
    originatingCommand: fc.record({ find: fc.constant('c'), filter: filterArb }),
    planSummary: fc.string(),
    keysExamined: fc.oneof(fc.nat(), fc.double()),
    nreturned: fc.nat(),
    queryHash: fc.stringMatching(/^[0-9A-F]{8}$/),
    remote: fc.constantFrom('127.0.0.1:5', '[::1]:27017', 'x', ''),
    durationMillis: fc.oneof(fc.nat(100000), fc.double(), fc.constant(-5), fc.constant({ $numberLong: '12' })),
  },
  { requiredKeys: ['ns', 'durationMillis'] },
);
const logv2Line = fc
  .record({
    t: dateArb,
    s: fc.constantFrom('I', 'W', 'E', 'F', 'D1', '__proto__'),
    c: fc.constantFrom('COMMAND', 'NETWORK', 'REPL', 'constructor', '-'),
    id: fc.constantFrom(51803, 22943, 22944, 51800, 21358, 20250, 20249, 4615611, 1),
    svc: fc.constantFrom('S', 'R', '-'),
    ctx: fc.constantFrom('conn1', 'conn2', 'listener', '__proto__'),
    msg: fc.string(),
    attr: fc.oneof(
      slowAttr,
      fc.record({ remote: fc.string(), connectionId: fc.oneof(fc.nat(), fc.string()), newState: fc.string(), oldState: fc.jsonValue(), doc: fc.jsonValue(), host: fc.jsonValue(), port: fc.jsonValue() }, { requiredKeys: [] }),
      fc.jsonValue(),
    ),
  }, { requiredKeys: ['t', 's', 'c', 'id', 'ctx', 'msg'] })
  .map((o) => JSON.stringify(o));
const legacyLine = fc
  .tuple(
    fc.constantFrom('2014-04-09T23:16:20.437-0400', 'Wed Mar  5 17:14:24.619', 'Mon Aug  5 20:21:42', '2018-02-08T13:21:09.966Z', '2014-04-0'),
    fc.constantFrom('', 'I COMMAND  ', 'I  STORAGE  ', 'D1 QUERY ', 'X - '),
    fc.constantFrom('[conn1] ', '[listener] ', '', '[repl writer worker 5] '),
    fc.constantFrom(
      'query test.docs query: { query: { foo: 33.0 }, orderby: { foo: -1.0 } } nscanned:1 nreturned:1 29ms',
      'command db.$cmd command: find { find: "c", filter: { _id: ObjectId(\'5e3c\'), a: { $in: [ 1, /x/i ] }, __proto__: { p: 1 } } } planSummary: IXSCAN { a: 1 } keysExamined:1 7ms',
      'getmore t.c query: { getMore: 1 } originatingCommand: { aggregate: "c", pipeline: [ { $match: { x: Timestamp 1|2 } } ] } 3ms',
      'connection accepted from 127.0.0.1:5 #12 (1 connection now open)',
      'end connection 127.0.0.1:5 (0 connections now open)',
      'received client metadata from 127.0.0.1:5 conn1: { driver: { name: "x", version: 1 }, application: { name: [ 1 ] } }',
      'transition to PRIMARY from SECONDARY',
      'replSet SECONDARY',
      'Successfully authenticated as principal u on admin from client 1.2.3.4:5',
      'MongoDB starting : pid=1 port=27017 dbpath=/x 64-bit host=h',
    ),
  )
  .map(([ts, sev, ctx, msg]) => `${ts} ${sev}${ctx}${msg}`);

function corpusLines(): string[] {
  const out: string[] = [];
  const files = ['ce-mongo-x-ray/misc/example.log', 'mtools/mtools/test/logfiles/mongod_26_corrupt.log', 'mtools/mtools/test/logfiles/mongod_4.0.10_slowdns.log', 'beats/filebeat/module/mongodb/log/test/mongodb-ubuntu-4.4.4-json.log'];
  for (const f of files) {
    const p = resolve(CORPUS, f);
    if (existsSync(p)) out.push(...readFileSync(p, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(0, 150));
  }
  return out;
}
const REAL = corpusLines();
const seedLine = REAL.length > 0 ? fc.oneof(logv2Line, legacyLine, fc.constantFrom(...REAL)) : fc.oneof(logv2Line, legacyLine);

const Mutation = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ op: fc.constant('dropChar' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), char: fc.constantFrom('{', '}', '"', ':', ',', '[', ']') }),
  fc.record({ op: fc.constant('badUtf8' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0]) }),
  fc.record({ op: fc.constant('deep' as const), depth: fc.constantFrom(100, 1000, 10_000), open: fc.constantFrom('[', '{"a":') }),
  fc.record({ op: fc.constant('proto' as const) }),
  fc.record({ op: fc.constant('crlf' as const) }),
  fc.record({ op: fc.constant('duplicate' as const) }),
);
type Mutation = typeof Mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(line: string, muts: Mutation[]): Buffer {
  let b = Buffer.from(line);
  for (const m of muts) {
    const at = (x: number) => Math.floor(x * b.length);
    switch (m.op) {
      case 'truncate':
        b = b.subarray(0, at(m.at));
        break;
      case 'dropChar': {
        const i = b.indexOf(m.char, at(m.at));
        if (i >= 0) b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
        break;
      }
      case 'badUtf8':
        b = Buffer.concat([b.subarray(0, at(m.at)), Buffer.from(m.bytes), b.subarray(at(m.at))]);
        break;
      case 'deep': {
        const close = m.open === '[' ? ']' : '}';
        const deep = `${m.open.repeat(m.depth)}1${close.repeat(m.depth)}`;
        const s = b.toString('utf8');
        const i = s.indexOf('"attr":');
        b = Buffer.from(i >= 0 ? `${s.slice(0, i)}"attr":{"command":{"find":"c","filter":{"a":${deep}}},"ns":"d.c","durationMillis":1},"x":${s.slice(i + 7)}` : `${s} ${deep}`);
        break;
      }
      case 'proto':
        b = Buffer.from(b.toString('utf8').replace(/"(filter|attr|doc|command)":\{/, '"$1":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},'));
        break;
      case 'crlf':
        b = Buffer.concat([b, Buffer.from('\r')]);
        break;
      case 'duplicate':
        b = Buffer.concat([b, Buffer.from('\n'), b]);
        break;
    }
  }
  return b;
}

const build = (lines: [string, Mutation[]][]): Buffer => Buffer.concat(lines.map(([l, m]) => Buffer.concat([mutate(l, m), Buffer.from('\n')])));

describe('FUZZ-1 mongod log readers', () => {
  it('FUZZ-1 replays every saved counterexample in test/fuzz-regressions/logs', () => {
    const files = existsSync(REGRESSIONS) ? readdirSync(REGRESSIONS).filter((f) => f.endsWith('.in')) : [];
    expect(files.length).toBeGreaterThan(0);
    const before = protoSnapshot();
    for (const f of files) {
      const bytes = readFileSync(resolve(REGRESSIONS, f));
      checkInput(bytes);
      checkInput(bytes, 7);
    }
    expect(protoSnapshot()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('FUZZ-1 mutated logv2, legacy and real lines: only typed errors, consistent counts, bounded time, prototypes untouched', () => {
    const before = protoSnapshot();
    const property = fc.property(fc.array(fc.tuple(seedLine, fc.array(Mutation, { maxLength: 3 })), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 4096 }), (lines, chunk) => {
      checkInput(build(lines), chunk);
    });
    const result = fc.check(property, { numRuns: Number(process.env.LOGS_FUZZ_RUNS ?? 2000), interruptAfterTimeLimit: 4_000 });
    if (result.failed && result.counterexample) {
      const [lines] = result.counterexample;
      const name = saveCounterexample(build(lines), `seed=${result.seed} path=${result.counterexamplePath}`);
      expect.fail(`FUZZ-1 counterexample saved as test/fuzz-regressions/logs/${name} (seed ${result.seed}, path ${result.counterexamplePath}): ${String(result.errorInstance)}`);
    }
    expect(result.failed).toBe(false);
    expect(result.numRuns).toBeGreaterThan(100);
    expect(protoSnapshot()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 30_000);

  it('FUZZ-1 a 10 MB line is skipped and counted, its neighbours read, memory bounded', () => {
    const huge = `{"t":{"$date":"2024-01-01T00:00:00Z"},"s":"I","c":"X","id":1,"ctx":"-","msg":"${'x'.repeat(10 * 1024 * 1024)}"}`;
    const ok = '{"t":{"$date":"2024-01-01T00:00:01Z"},"s":"I","c":"X","id":1,"ctx":"-","msg":"ok"}';
    const summary = new LogSummary();
    summary.beginFile('big.log');
    const splitter = new LineSplitter(new LogFileReader(summary));
    const bytes = Buffer.from(`${ok}\n${huge}\n${ok}\n`);
    const heap0 = process.memoryUsage().heapUsed;
    for (let i = 0; i < bytes.length; i += 1 << 20) splitter.push(bytes.subarray(i, i + (1 << 20)));
    splitter.end();
    const r = summary.report();
    expect([r.lines, r.parsed, r.unparsed]).toEqual([3, 2, 1]);
    expect(r.unparsedSamples[0]).toMatchObject({ line: 2, reason: 'oversized' });
    // The 10 MB line is never held: growth stays around one chunk plus one max line.
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(8 * 1024 * 1024);
  });

  it('FUZZ-1 a partial last line of a file being written is kept for the next read, not dropped', () => {
    const summary = new LogSummary();
    summary.beginFile('live.log');
    const splitter = new LineSplitter(new LogFileReader(summary));
    const line = '{"t":{"$date":"2024-01-01T00:00:00Z"},"s":"I","c":"NETWORK","id":22943,"ctx":"listener","msg":"Connection accepted","attr":{"remote":"1.2.3.4:5","connectionId":1}}';
    const cut = 57;
    splitter.push(Buffer.from(`${line}\n${line.slice(0, cut)}`));
    expect(summary.report()).toMatchObject({ lines: 1, unparsed: 0 });
    expect(splitter.pendingBytes).toBe(cut);
    expect(splitter.resumeOffset).toBe(line.length + 1);
    splitter.push(Buffer.from(`${line.slice(cut)}\n`));
    expect(summary.report()).toMatchObject({ lines: 2, parsed: 2, unparsed: 0, connections: { opened: 2 } });
  });

  it('FUZZ-1 .gz inputs: truncated or corrupted gzip keeps every line read before the damage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baleen-logs-fuzz-'));
    try {
      const text = Array.from({ length: 3000 }, (_, i) => `{"t":{"$date":"2024-01-01T00:00:00Z"},"s":"I","c":"X","id":1,"ctx":"-","msg":"line ${i} ${'p'.repeat(i % 97)}"}`).join('\n');
      const gz = gzipSync(Buffer.from(`${text}\n`));
      await fc.assert(
        fc.asyncProperty(fc.double({ min: 0.05, max: 0.999, noNaN: true }), fc.boolean(), async (f, flip) => {
          const bytes = Buffer.from(gz.subarray(0, Math.floor(f * gz.length)));
          if (flip && bytes.length > 40) bytes[Math.floor(bytes.length / 2)]! ^= 0x55;
          const file = join(dir, 'cut.log.gz');
          writeFileSync(file, bytes);
          const r = (await analyzeLogs([file], { cwd: dir })).report();
          expect(r.parsed + r.unparsed).toBe(r.lines);
          // A flipped bit may inflate to garbage before zlib notices: more lines, never more good ones.
          expect(r.parsed).toBeLessThanOrEqual(3000);
          expect(r.files[0]!.error).toBeDefined();
          if (!flip) expect(r.unparsed).toBeLessThanOrEqual(1);
        }),
        { numRuns: 25 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
