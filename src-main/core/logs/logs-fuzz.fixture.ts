// Test fixture for FUZZ-1 (test/integration/logs-fuzz.test.ts): the generators, the property for
// one input, and a worker mode that runs the property away from the test's thread, announcing
// each input first, so a hang becomes a saved counterexample instead of a stuck run.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { BaleenError } from '../../../src-shared/domain/errors';
import { LineSplitter } from './line-splitter';
import { MAX_LINE_BYTES } from './log-event';
import { LogFileReader } from './log-reader';
import { LogSummary } from './log-summary';

export const protoSnapshot = (): string[] => [Object.getOwnPropertyNames(Object.prototype).sort().join(), Object.getOwnPropertyNames(Array.prototype).sort().join()];

/** Non-blank lines as the splitter sees them, counted straight from the bytes. */
export function nonBlankLines(bytes: Buffer): number {
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
 * The FUZZ-1 property for one input: what is wrong with it, or undefined. Time: ≤ 50 ms per KiB
 * (floor 200 ms), ≤ 1 s; an input over the limit is timed once more, since a GC pause or a busy
 * shared machine is transient and real slowness repeats.
 */
export function checkLogInput(bytes: Buffer, chunk = 65536): string | undefined {
  const limit = Math.min(1000, Math.max(200, (50 * bytes.length) / 1024));
  let r = readOnce(bytes, chunk);
  if (typeof r === 'string') return r;
  if (r >= limit) {
    const again = readOnce(bytes, chunk);
    if (typeof again === 'string') return again;
    r = Math.min(r, again);
  }
  return r < limit ? undefined : `reading took ${r.toFixed(0)} ms for ${bytes.length} bytes (limit ${limit.toFixed(0)} ms)`;
}

function readOnce(bytes: Buffer, chunk: number): number | string {
  const t0 = performance.now();
  const summary = new LogSummary({ timeline: true });
  summary.beginFile('fuzz.log');
  try {
    const splitter = new LineSplitter(new LogFileReader(summary, { referenceYear: 2024 }));
    for (let i = 0; i < bytes.length; i += chunk) splitter.push(bytes.subarray(i, i + chunk));
    splitter.end();
    summary.endFile(splitter.physicalLines, bytes.length);
    const r = summary.report();
    if (r.parsed + r.unparsed !== r.lines) return `parsed ${r.parsed} + unparsed ${r.unparsed} != lines ${r.lines}`;
    const want = nonBlankLines(bytes);
    if (r.lines !== want) return `lines ${r.lines}, the bytes hold ${want}`;
    if (r.slowOps.shapes.reduce((a, s) => a + s.count, 0) !== r.slowOps.count) return 'shape counts do not add up to the slow-op count';
    for (const s of r.slowOps.shapes) {
      if (!(Number.isFinite(s.p95Ms) && s.p95Ms >= 0 && Number.isFinite(s.totalMs))) return `bad figures for shape ${s.shape.slice(0, 80)}: p95 ${s.p95Ms}, total ${s.totalMs}`;
      if (s.shape.length > 4097) return `shape text of ${s.shape.length} chars`;
    }
    JSON.stringify(r);
  } catch (e) {
    // Nothing may escape but a typed error.
    if (!(e instanceof BaleenError)) return `untyped exception: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
  return performance.now() - t0;
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

export function corpusLines(corpus: string): string[] {
  const out: string[] = [];
  const files = ['ce-mongo-x-ray/misc/example.log', 'mtools/mtools/test/logfiles/mongod_26_corrupt.log', 'mtools/mtools/test/logfiles/mongod_4.0.10_slowdns.log', 'beats/filebeat/module/mongodb/log/test/mongodb-ubuntu-4.4.4-json.log'];
  for (const f of files) {
    const p = resolve(corpus, f);
    if (existsSync(p)) out.push(...readFileSync(p, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(0, 150));
  }
  return out;
}
/** Lines to mutate: generated logv2 and legacy lines, and real ones when the corpus is there. */
export function seedLines(real: string[]): fc.Arbitrary<string> {
  return real.length > 0 ? fc.oneof(logv2Line, legacyLine, fc.constantFrom(...real)) : fc.oneof(logv2Line, legacyLine);
}

export const Mutation = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ op: fc.constant('dropChar' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), char: fc.constantFrom('{', '}', '"', ':', ',', '[', ']') }),
  fc.record({ op: fc.constant('badUtf8' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0]) }),
  fc.record({ op: fc.constant('deep' as const), depth: fc.constantFrom(100, 1000, 10_000), open: fc.constantFrom('[', '{"a":') }),
  fc.record({ op: fc.constant('proto' as const) }),
  fc.record({ op: fc.constant('crlf' as const) }),
  fc.record({ op: fc.constant('duplicate' as const) }),
);
export type Mutation = typeof Mutation extends fc.Arbitrary<infer T> ? T : never;

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

export const buildInput = (lines: [string, Mutation[]][]): Buffer => Buffer.concat(lines.map(([l, m]) => Buffer.concat([mutate(l, m), Buffer.from('\n')])));


export interface FuzzSetup {
  kind: 'baleen.logs.fuzz';
  corpus: string;
  numRuns: number;
  timeLimitMs: number;
  /** Replays a run (the seed is printed with every counterexample). */
  seed?: number;
}

export type FuzzMessage =
  | { type: 'input'; bytes: Uint8Array; chunk: number }
  | { type: 'done'; numRuns: number; failed: boolean; seed: number; path?: string; error?: string; counterexample?: { bytes: Uint8Array; chunk: number }; protoUnchanged: boolean };

function runFuzz(setup: FuzzSetup): void {
  const port = parentPort!;
  const before = protoSnapshot().join('|');
  const property = fc.property(fc.array(fc.tuple(seedLines(corpusLines(setup.corpus)), fc.array(Mutation, { maxLength: 3 })), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 4096 }), (lines, chunk) => {
    const bytes = buildInput(lines);
    port.postMessage({ type: 'input', bytes, chunk } satisfies FuzzMessage);
    const problem = checkLogInput(bytes, chunk);
    if (problem !== undefined) throw new Error(problem);
  });
  const result = fc.check(property, { numRuns: setup.numRuns, interruptAfterTimeLimit: setup.timeLimitMs, ...(setup.seed !== undefined ? { seed: setup.seed } : {}) });
  const done: FuzzMessage = { type: 'done', numRuns: result.numRuns, failed: result.failed, seed: result.seed, protoUnchanged: protoSnapshot().join('|') === before && ({} as Record<string, unknown>).polluted === undefined };
  if (result.failed && result.counterexample) {
    const [lines, chunk] = result.counterexample;
    done.counterexample = { bytes: buildInput(lines), chunk };
    done.path = result.counterexamplePath ?? undefined;
    done.error = String(result.errorInstance);
  }
  port.postMessage(done);
}

if (!isMainThread && (workerData as Partial<FuzzSetup> | null)?.kind === 'baleen.logs.fuzz') runFuzz(workerData as FuzzSetup);
