// `baleen ftdc import` end to end: it writes into a data folder, and a console started on that folder
// lists the import and charts it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Long } from '../../src-main/core/bson/bson';
import { describe, expect, it } from 'vitest';
import { encodeFtdcFile } from '../../src-main/core/ftdc/ftdc-reference.fixture';
import { runBaleen } from '../helpers/cli';
import { startTestCore } from '../helpers/core';
import { tempDir } from '../helpers/tmp';

const T0 = Date.UTC(2024, 6, 1, 10, 0, 0);
const CORPUS = resolve(process.cwd(), '../shared/corpus/suitcase-mongo/diagnostic.data');

function file(from: number, n: number) {
  const samples = Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { start: new Date(T0 + i * 1000), serverStatus: { opcounters: { insert: new Long(100 + i * 5) } }, systemMetrics: { cpu: { user_ms: new Long(i * 100) } } };
  });
  return encodeFtdcFile(samples, {
    metadata: { start: new Date(T0), buildInfo: { version: '8.0.1' }, hostInfo: { system: { hostname: 'cli-host.example' } }, getCmdLineOpts: { parsed: { net: { port: 27020 } } } },
  });
}

describe('baleen ftdc import', () => {
  const dir = tempDir('baleen-ftdc-import-cli-');
  const dd = join(dir, 'diagnostic.data');
  mkdirSync(dd);
  writeFileSync(join(dd, 'metrics.2024-07-01T10-00-00Z-00000'), file(0, 90).bytes);
  const dataDir = join(dir, 'data');

  it('imports into the data folder and prints the node, host and time range', async () => {
    const r = await runBaleen(['ftdc', 'import', dd, '--data-dir', dataDir, '--label', 'ticket 4711']);
    expect(r.stderr).toMatch(/importing: file 1\/1/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('import 1: ticket 4711');
    expect(r.stdout).toContain('node imported/cli-host.example:27020 (new, offline), host host:cli-host.example, version 8.0.1');
    expect(r.stdout).toContain(`time range ${new Date(T0).toISOString()} to ${new Date(T0 + 89_000).toISOString()}`);
    expect(r.stdout).toContain('samples 90');
  });

  it('a second run of the same files reads nothing new', async () => {
    const r = await runBaleen(['ftdc', 'import', dd, '--data-dir', dataDir, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'duplicate', importIds: [1] });
  });

  it('the console on that folder lists the import and charts it', async () => {
    const t = startTestCore({ dataDir });
    try {
      const list = await t.client.invoke('ftdc.list', {});
      expect(list.map((s) => [s.id, s.label, s.samples])).toEqual([[1, 'ticket 4711', 90]]);
      const q = await t.client.invoke('metrics.query', { entity: 'node:imported/cli-host.example:27020', metrics: ['serverStatus.opcounters.insert'], from: T0, to: T0 + 89_000 });
      // 90 raw counter samples → 89 rates of 5/s.
      expect(q.series[0]!.points.filter((p) => p[1] !== null).map((p) => p[1])).toEqual(Array(89).fill(5));
      expect((await t.client.invoke('connections.list', {})).find((c) => c.id === 'imported')?.nodes.map((n) => n.id)).toEqual(['imported/cli-host.example:27020']);
    } finally {
      await t.stop();
    }
  });

  it('a missing path is an error with exit status 1, and usage errors 2', async () => {
    const r = await runBaleen(['ftdc', 'import', join(dir, 'missing'), '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing/);
    expect((await runBaleen(['ftdc', 'import', '--data-dir', dataDir])).code).toBe(2);
  });

  it.skipIf(!existsSync(CORPUS))('imports a real Windows capture', async () => {
    const r = await runBaleen(['ftdc', 'import', CORPUS, '--data-dir', join(dir, 'data2')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('node imported/lps-156814:48936 (new, offline), host host:lps-156814, version 4.0.4');
  });
});
