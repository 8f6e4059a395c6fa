// `baleen ftdc` end to end through the CLI registry, on synthetic files (always) and the corpus (when present).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Long } from '../../src-main/core/bson/bson';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFtdcFile } from '../../src-main/core/ftdc/ftdc-reference.fixture';
import { runBaleen } from '../helpers/cli';

const T0 = Date.UTC(2024, 6, 1, 10, 0, 0);
const CORPUS = resolve(process.cwd(), '../shared/corpus');
const corpusPresent = existsSync(resolve(CORPUS, 'suitcase-mongo/diagnostic.data'));
if (!corpusPresent) console.warn(`[ftdc-cli] ${CORPUS} not found: corpus CLI checks skipped`);

function file(from: number, n: number) {
  const samples = Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { start: new Date(T0 + i * 1000), serverStatus: { opcounters: { insert: new Long(100 + i * 5) } }, end: new Date(T0 + i * 1000 + 1) };
  });
  return encodeFtdcFile(samples, { metadata: { start: new Date(T0), buildInfo: { version: '8.0.1' }, hostInfo: { system: { hostname: 'cli-host' } } } });
}

describe('baleen ftdc', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baleen-ftdc-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const dd = join(dir, 'diagnostic.data');
  mkdirSync(dd);
  const a = file(0, 12);
  const b = file(12, 8);
  writeFileSync(join(dd, 'metrics.2024-07-01T10-00-00Z-00000'), a.bytes);
  // The second file has a corrupt chunk in the middle: it is reported and skipped.
  const withBad = Buffer.concat([b.bytes, Buffer.from(b.bytes.subarray(b.chunks[0]!.offset))]);
  const badAt = b.bytes.length;
  withBad[badAt + 40] = withBad[badAt + 40]! ^ 0xff;
  const tail = file(20, 3);
  writeFileSync(join(dd, 'metrics.2024-07-01T11-00-00Z-00000'), Buffer.concat([withBad, tail.bytes.subarray(tail.chunks[0]!.offset)]));

  it('prints the JSON summary in the documented shape', async () => {
    const r = await runBaleen(['ftdc', dd, '--json']);
    expect(r.code).toBe(1); // one bad document
    const out = JSON.parse(r.stdout) as { files: Record<string, unknown>[]; host: string; version: string };
    expect(out.host).toBe('cli-host');
    expect(out.version).toBe('8.0.1');
    expect(out.files).toEqual([
      {
        path: join(dd, 'metrics.2024-07-01T10-00-00Z-00000'),
        metadataDocs: 1,
        chunks: 1,
        samples: 12,
        metrics: 3,
        firstTs: '2024-07-01T10:00:00.000Z',
        lastTs: '2024-07-01T10:00:11.000Z',
        errors: [],
      },
      {
        path: join(dd, 'metrics.2024-07-01T11-00-00Z-00000'),
        metadataDocs: 1,
        chunks: 2,
        samples: 11,
        metrics: 3,
        firstTs: '2024-07-01T10:00:12.000Z',
        lastTs: '2024-07-01T10:00:22.000Z',
        errors: [{ offset: badAt, message: expect.stringMatching(/^bad metric chunk: /) }],
      },
    ]);
  });

  it('prints a readable summary with the bad chunk and its offset', async () => {
    const r = await runBaleen(['ftdc', dd]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('metadata docs 1, chunks 1, samples 12, metrics 3');
    expect(r.stdout).toContain('samples from 2024-07-01T10:00:00.000Z to 2024-07-01T10:00:11.000Z');
    expect(r.stdout).toContain(`offset ${badAt}: bad metric chunk`);
    expect(r.stdout).toContain('host cli-host, version 8.0.1');
    expect(r.stderr).toContain('1 bad document(s) skipped');
    const clean = await runBaleen(['ftdc', join(dd, 'metrics.2024-07-01T10-00-00Z-00000')]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('bad chunks: none');
  });

  it('--metric prints ts,value lines across files in time order', async () => {
    const r = await runBaleen(['ftdc', dd, '--metric', 'serverStatus.opcounters.insert']);
    const lines = r.stdout.trim().split('\n');
    const want = [...Array.from({ length: 12 }, (_, i) => i), ...Array.from({ length: 8 }, (_, k) => 12 + k), 20, 21, 22].map(
      (i) => `${new Date(T0 + i * 1000).toISOString()},${100 + i * 5}`,
    );
    expect(lines).toEqual(want);
    expect(r.stderr).toMatch(/at offset \d+: bad metric chunk/);
    const json = await runBaleen(['ftdc', join(dd, 'metrics.2024-07-01T10-00-00Z-00000'), '--metric', 'serverStatus.opcounters.insert', '--json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { metric: string; samples: { ts: string; value: number }[]; errors: unknown[] };
    expect(parsed.samples[3]).toEqual({ ts: new Date(T0 + 3000).toISOString(), value: 115 });
    expect(parsed.errors).toEqual([]);
  });

  it('reports usage errors, unknown metrics and missing paths with the right exit codes', async () => {
    expect((await runBaleen(['ftdc'])).code).toBe(2);
    expect((await runBaleen(['ftdc', dd, '--bogus'])).code).toBe(2);
    const unknown = await runBaleen(['ftdc', join(dd, 'metrics.2024-07-01T10-00-00Z-00000'), '--metric', 'serverStatus.nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no chunk carries the metric "serverStatus.nope"');
    const missing = await runBaleen(['ftdc', join(dir, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[E_NOT_FOUND]');
    const help = await runBaleen(['help', 'ftdc']);
    expect(help.stdout).toContain('--metric PATH');
  });

  it.skipIf(!corpusPresent)('summarises the real Windows 4.0.4 capture', async () => {
    const r = await runBaleen(['ftdc', resolve(CORPUS, 'suitcase-mongo/diagnostic.data'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { files: { samples: number; chunks: number }[]; version: string };
    expect(out.version).toBe('4.0.4');
    expect(out.files.map((f) => [f.chunks, f.samples])).toEqual([
      [1, 18],
      [2, 600],
      [1, 201],
    ]);
  });
});
