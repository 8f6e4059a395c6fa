// FUZZ-1: the mongod log readers under mutated logv2 and legacy lines (truncation, dropped
// braces, invalid UTF-8, huge lines, 10k-deep nesting, __proto__ keys, $date variants) and real
// corpus samples. Only typed errors may escape (bad lines become unparsed records), counts stay
// consistent, time stays bounded, prototypes stay untouched. The property runs in a worker that
// announces each input first: a failure or a hang (watchdog) saves the input under
// test/fuzz-regressions/logs/, and every file there is replayed on each run.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeLogs, LineSplitter, LogFileReader, LogSummary, startModuleWorker } from '../../src-main/core/logs';
import { checkLogInput, protoSnapshot, type FuzzMessage, type FuzzSetup } from '../../src-main/core/logs/logs-fuzz.fixture';

const REGRESSIONS = resolve(process.cwd(), 'test/fuzz-regressions/logs');
const CORPUS = resolve(process.cwd(), '../shared/corpus');
const FIXTURE = new URL('../../src-main/core/logs/logs-fuzz.fixture.ts', import.meta.url).href;
/** The property's own budget, and how long past it the worker may stay silent before it is a hang. */
const TIME_LIMIT_MS = 4_000;
const WATCHDOG_MS = 15_000;

function saveCounterexample(bytes: Buffer, note: string): string {
  mkdirSync(REGRESSIONS, { recursive: true });
  // `.in`, not `.log`: the repository ignores *.log.
  const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.in`;
  writeFileSync(resolve(REGRESSIONS, name), bytes);
  writeFileSync(resolve(REGRESSIONS, `${name}.txt`), `${note}\n`);
  return name;
}

describe('FUZZ-1 mongod log readers', () => {
  it('FUZZ-1 replays every saved counterexample in test/fuzz-regressions/logs', () => {
    const files = existsSync(REGRESSIONS) ? readdirSync(REGRESSIONS).filter((f) => f.endsWith('.in')) : [];
    expect(files.length).toBeGreaterThan(0);
    const before = protoSnapshot();
    for (const f of files) {
      const bytes = readFileSync(resolve(REGRESSIONS, f));
      expect(checkLogInput(bytes), f).toBeUndefined();
      expect(checkLogInput(bytes, 7), f).toBeUndefined();
    }
    expect(protoSnapshot()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('FUZZ-1 mutated logv2, legacy and real lines: only typed errors, consistent counts, bounded time, no hang, prototypes untouched', async () => {
    const setup: FuzzSetup = { kind: 'baleen.logs.fuzz', corpus: CORPUS, numRuns: Number(process.env.LOGS_FUZZ_RUNS ?? 2000), timeLimitMs: TIME_LIMIT_MS };
    if (process.env.LOGS_FUZZ_SEED !== undefined) setup.seed = Number(process.env.LOGS_FUZZ_SEED);
    const worker = startModuleWorker(FIXTURE, setup);
    let last: { bytes: Uint8Array; chunk: number } | undefined;
    const outcome = await new Promise<FuzzMessage & { type: 'done' } | { type: 'hang' } | { type: 'crash'; error: string }>((done) => {
      let timer = setTimeout(() => done({ type: 'hang' }), WATCHDOG_MS + TIME_LIMIT_MS);
      worker.on('message', (m: FuzzMessage) => {
        if (m.type === 'input') {
          last = m;
          // Each input restarts the watchdog: only one input taking that long is a hang.
          clearTimeout(timer);
          timer = setTimeout(() => done({ type: 'hang' }), WATCHDOG_MS);
        } else {
          clearTimeout(timer);
          done(m);
        }
      });
      worker.on('error', (e) => {
        clearTimeout(timer);
        done({ type: 'crash', error: String(e) });
      });
    });
    await worker.terminate();
    if (outcome.type === 'hang' || outcome.type === 'crash') {
      const why = outcome.type === 'hang' ? `no answer for ${WATCHDOG_MS} ms (a hang)` : `the worker died: ${outcome.error}`;
      const name = last === undefined ? '(no input yet)' : saveCounterexample(Buffer.from(last.bytes), `${why}; chunk=${last.chunk}`);
      expect.fail(`FUZZ-1: ${why} on input saved as test/fuzz-regressions/logs/${name}`);
    }
    if (outcome.type === 'done' && outcome.failed && outcome.counterexample) {
      const name = saveCounterexample(Buffer.from(outcome.counterexample.bytes), `seed=${outcome.seed} path=${outcome.path} chunk=${outcome.counterexample.chunk}: ${outcome.error}`);
      expect.fail(`FUZZ-1 counterexample saved as test/fuzz-regressions/logs/${name} (seed ${outcome.seed}, path ${outcome.path}): ${outcome.error}`);
    }
    expect(outcome.type === 'done' && outcome.failed).toBe(false);
    expect(outcome.type === 'done' ? outcome.numRuns : 0).toBeGreaterThan(100);
    expect(outcome.type === 'done' && outcome.protoUnchanged).toBe(true);
  }, 60_000);

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
