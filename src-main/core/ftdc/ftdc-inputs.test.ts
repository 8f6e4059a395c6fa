import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Long } from '../bson/bson';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFtdcFile } from './ftdc-reference.fixture';
import { compareFtdcFileNames, readFtdc, resolveFtdcInputs } from './ftdc-inputs';
import { summarizeFtdc, readFtdcMetric } from './ftdc-summary';
import { tarEntries } from './tar.reader';

const T0 = Date.UTC(2022, 1, 3, 4, 5, 6);

function ftdc(startIndex: number, n: number, host = 'node-1') {
  const samples = Array.from({ length: n }, (_, k) => {
    const i = startIndex + k;
    return { start: new Date(T0 + i * 1000), serverStatus: { opcounters: { insert: new Long(i * 2) } }, end: new Date(T0 + i * 1000 + 1) };
  });
  return encodeFtdcFile(samples, { metadata: { start: new Date(T0), buildInfo: { version: '5.0.9' }, hostInfo: { system: { hostname: host } } } }).bytes;
}

/** A ustar entry (header + padded data), optionally preceded by a pax header carrying a long path. */
function tarEntry(name: string, data: Buffer, opts: { pax?: string; typeflag?: string } = {}): Buffer {
  const header = (n: string, size: number, type: string) => {
    const h = Buffer.alloc(512);
    h.write(n.slice(0, 99), 0, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write(type, 156);
    h.write('ustar\x0000', 257, 'latin1');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return h;
  };
  const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
  const parts: Buffer[] = [];
  if (opts.pax) {
    const rec = (k: string, v: string) => {
      const body = ` ${k}=${v}\n`;
      let len = body.length + 1;
      while (`${len}${body}`.length !== len) len++;
      return `${len}${body}`;
    };
    const body = Buffer.from(rec('path', opts.pax));
    parts.push(header('PaxHeader', body.length, 'x'), pad(body));
  }
  parts.push(header(name, data.length, opts.typeflag ?? '0'), pad(data));
  return Buffer.concat(parts);
}

const END = Buffer.alloc(1024);

describe('FTDC inputs: folders, archives, order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baleen-ftdc-in-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const dd = join(dir, 'diagnostic.data');
  mkdirSync(dd);
  // Written out of order on purpose; the interim file holds the newest samples.
  writeFileSync(join(dd, 'metrics.2022-02-03T05-00-00Z-00000'), ftdc(3600, 20));
  writeFileSync(join(dd, 'metrics.interim'), Buffer.concat([ftdc(3620, 4), Buffer.alloc(8)]));
  writeFileSync(join(dd, 'metrics.2022-02-03T04-05-06Z-00000'), ftdc(0, 30));
  writeFileSync(join(dd, 'metrics.interim.temp'), Buffer.from('half-written'));
  writeFileSync(join(dd, 'README'), 'not ftdc');

  it('orders dated files by name, then metrics.interim; skips the interim temp file and non-metrics files', async () => {
    const inputs = await resolveFtdcInputs([dd]);
    expect(inputs.map((i) => i.path.split('/').pop())).toEqual([
      'metrics.2022-02-03T04-05-06Z-00000',
      'metrics.2022-02-03T05-00-00Z-00000',
      'metrics.interim',
    ]);
    expect(compareFtdcFileNames('metrics.interim', 'metrics.2099-01-01T00-00-00Z-00000')).toBeGreaterThan(0);
    expect(compareFtdcFileNames('x/metrics.bson', 'metrics.interim')).toBeLessThan(0);
  });

  it('summarises a folder per file with host and version', async () => {
    const s = await summarizeFtdc([dd]);
    expect(s.host).toBe('node-1');
    expect(s.version).toBe('5.0.9');
    expect(s.files.map((f) => [f.path.split('/').pop(), f.metadataDocs, f.chunks, f.samples, f.metrics, f.firstTs, f.lastTs, f.errors.length])).toEqual([
      ['metrics.2022-02-03T04-05-06Z-00000', 1, 1, 30, 3, new Date(T0).toISOString(), new Date(T0 + 29_000).toISOString(), 0],
      ['metrics.2022-02-03T05-00-00Z-00000', 1, 1, 20, 3, new Date(T0 + 3_600_000).toISOString(), new Date(T0 + 3_619_000).toISOString(), 0],
      ['metrics.interim', 1, 1, 4, 3, new Date(T0 + 3_620_000).toISOString(), new Date(T0 + 3_623_000).toISOString(), 0],
    ]);
  });

  it('reads one metric across files in time order', async () => {
    const series = await readFtdcMetric([dd], 'serverStatus.opcounters.insert');
    expect(series.chunks).toBe(3);
    const values = series.files.flatMap((f) => Array.from(f.values));
    const ts = series.files.flatMap((f) => Array.from(f.ts));
    expect(values).toEqual([...Array.from({ length: 30 }, (_, i) => i * 2), ...Array.from({ length: 24 }, (_, k) => (3600 + k) * 2)]);
    expect(ts.every((t, i) => i === 0 || t > ts[i - 1]!)).toBe(true);
  });

  it('reads a .tar.gz made by GNU tar, members in time order whatever the archive order', async (ctx) => {
    if (!existsSync('/usr/bin/tar')) ctx.skip();
    const archive = join(dir, 'dd.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', dir, 'diagnostic.data/metrics.interim', 'diagnostic.data/metrics.2022-02-03T05-00-00Z-00000', 'diagnostic.data/metrics.2022-02-03T04-05-06Z-00000', 'diagnostic.data/README']);
    const s = await summarizeFtdc([archive]);
    expect(s.files.map((f) => f.path)).toEqual([
      `${archive}!diagnostic.data/metrics.2022-02-03T04-05-06Z-00000`,
      `${archive}!diagnostic.data/metrics.2022-02-03T05-00-00Z-00000`,
      `${archive}!diagnostic.data/metrics.interim`,
    ]);
    expect(s.files.map((f) => f.samples)).toEqual([30, 20, 4]);
  });

  it('reads pax long paths and GNU-style archives built by hand; reports a corrupt header as an error event', async () => {
    const longPath = `${'deep/'.repeat(30)}diagnostic.data/metrics.2022-02-03T04-05-06Z-00000`;
    const good = Buffer.concat([tarEntry('ignored-name', ftdc(0, 5), { pax: longPath }), tarEntry('notes.txt', Buffer.from('hi')), END]);
    const entries: string[] = [];
    for await (const { entry } of tarEntries(Readable.from([good.subarray(0, 700), good.subarray(700)]))) entries.push(entry.name);
    expect(entries).toEqual([longPath, 'notes.txt']);

    const tarPath = join(dir, 'hand.tar');
    const corrupt = Buffer.concat([tarEntry('metrics.interim', ftdc(0, 5)), tarEntry('metrics.2022-01-01T00-00-00Z-00000', ftdc(0, 5)), END]);
    const sizeField = 512 + 512 * Math.ceil(ftdc(0, 5).length / 512) + 130; // in the 2nd header
    corrupt[sizeField] = corrupt[sizeField]! ^ 0x01;
    writeFileSync(tarPath, corrupt);
    const events = [];
    for await (const ev of readFtdc(tarPath)) events.push(ev);
    expect(events.map((e) => e.kind)).toEqual(['metadata', 'chunk', 'error']);
    expect(events[2]).toMatchObject({ file: tarPath, code: 'E_PARSE' });
    expect((events[2] as { message: string }).message).toMatch(/checksum/);
  });

  it('reports a gzip stream that is not gzip as a typed error event', async () => {
    const p = join(dir, 'broken.tar.gz');
    writeFileSync(p, Buffer.concat([gzipSync(readFileSync(join(dd, 'metrics.interim'))).subarray(0, 10), Buffer.from('nope')]));
    const events = [];
    for await (const ev of readFtdc(p)) events.push(ev);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'error', file: p, code: 'E_PARSE' });
  });

  it('reads a .zip made by Info-ZIP (deflated and stored members) in time order', async (ctx) => {
    if (!existsSync('/usr/bin/zip')) ctx.skip();
    const deflated = join(dir, 'dd.zip');
    execFileSync('zip', ['-q', deflated, 'diagnostic.data/metrics.interim', 'diagnostic.data/metrics.2022-02-03T05-00-00Z-00000', 'diagnostic.data/metrics.2022-02-03T04-05-06Z-00000', 'diagnostic.data/README'], { cwd: dir });
    const stored = join(dir, 'dd-stored.zip');
    execFileSync('zip', ['-q', '-0', stored, 'diagnostic.data/metrics.interim'], { cwd: dir });
    const s = await summarizeFtdc([deflated, stored]);
    expect(s.files.map((f) => [f.path.slice(dir.length + 1), f.samples, f.errors.length])).toEqual([
      ['dd.zip!diagnostic.data/metrics.2022-02-03T04-05-06Z-00000', 30, 0],
      ['dd.zip!diagnostic.data/metrics.2022-02-03T05-00-00Z-00000', 20, 0],
      ['dd.zip!diagnostic.data/metrics.interim', 4, 0],
      ['dd-stored.zip!diagnostic.data/metrics.interim', 4, 0],
    ]);

    // A damaged member is reported and the others still decode; a truncated archive is one error.
    const damaged = Buffer.from(readFileSync(deflated));
    const member = damaged.indexOf(Buffer.from('diagnostic.data/metrics.2022-02-03T04-05-06Z-00000'));
    for (let i = 0; i < 40; i++) damaged[member + 60 + i] = 0xff;
    const damagedPath = join(dir, 'damaged.zip');
    writeFileSync(damagedPath, damaged);
    const d = await summarizeFtdc([damagedPath]);
    expect(d.files.map((f) => [f.path.split('!')[1], f.chunks, f.errors.length > 0])).toEqual([
      ['diagnostic.data/metrics.2022-02-03T04-05-06Z-00000', 0, true],
      ['diagnostic.data/metrics.2022-02-03T05-00-00Z-00000', 1, false],
      ['diagnostic.data/metrics.interim', 1, false],
    ]);
    const truncated = join(dir, 'truncated.zip');
    writeFileSync(truncated, readFileSync(deflated).subarray(0, 300));
    const events = [];
    for await (const ev of readFtdc(truncated)) events.push(ev);
    expect(events).toEqual([expect.objectContaining({ kind: 'error', file: truncated, code: 'E_PARSE', message: expect.stringMatching(/not a zip archive/) })]);
  });

  it('refuses missing paths and folders without metrics files with typed errors', async () => {
    await expect(resolveFtdcInputs([join(dir, 'nope')])).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await expect(resolveFtdcInputs([empty])).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});
