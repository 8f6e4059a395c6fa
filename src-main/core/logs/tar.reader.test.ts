import fc from 'fast-check';
import { BaleenError } from '../../../src-shared/domain/errors';
import { TarReader } from './tar.reader';
import { buildTar, paxEntries } from './tar-writer.fixture';

function read(archive: Buffer, cuts: number[] = []): { name: string; size: number; data: string }[] {
  const out: { name: string; size: number; data: string }[] = [];
  let cur: { name: string; size: number; parts: Buffer[] } | undefined;
  const r = new TarReader({
    begin: (name, size) => void (cur = { name, size, parts: [] }),
    data: (c) => void cur!.parts.push(Buffer.from(c)),
    end: () => void out.push({ name: cur!.name, size: cur!.size, data: Buffer.concat(cur!.parts).toString() }),
  });
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    const to = Math.floor(c * archive.length);
    if (to > at) r.push(archive.subarray(at, to));
    at = Math.max(at, to);
  }
  r.push(archive.subarray(at));
  r.end();
  return out;
}

describe('TarReader', () => {
  const longName = `logs/${'very-long-folder-name/'.repeat(6)}mongod.log`;
  const archive = buildTar([
    { name: 'logs/', type: '5' },
    { name: 'logs/rs1.log', data: 'line one\nline two\n' },
    { name: 'logs/empty.log', data: '' },
    { name: longName, data: 'x'.repeat(1500) },
    ...paxEntries('logs/pax-named.log', 'pax data\n'),
  ]);

  it('lists regular files with their content, GNU long names and pax paths included', () => {
    expect(read(archive)).toEqual([
      { name: 'logs/rs1.log', size: 18, data: 'line one\nline two\n' },
      { name: 'logs/empty.log', size: 0, data: '' },
      { name: longName, size: 1500, data: 'x'.repeat(1500) },
      { name: 'logs/pax-named.log', size: 9, data: 'pax data\n' },
    ]);
  });

  it('does not care how the bytes are chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), (cuts) => {
        expect(read(archive, cuts)).toEqual(read(archive));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a corrupt header with E_PARSE, after delivering the members before it', () => {
    const bad = Buffer.from(archive);
    const second = 512 * 2 + 512; // dir header, rs1 header + one data block, then empty.log's header
    bad[second + 10] = bad[second + 10]! ^ 0x20;
    const seen: string[] = [];
    const r = new TarReader({ begin: (n) => void seen.push(n), data: () => {}, end: () => {} });
    let err: unknown;
    try {
      r.push(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BaleenError);
    expect((err as BaleenError).code).toBe('E_PARSE');
    expect(seen).toEqual(['logs/rs1.log']);
  });

  it('reports a truncated archive as E_PARSE at end()', () => {
    const r = new TarReader({ begin: () => {}, data: () => {}, end: () => {} });
    // Cut inside the 1500-byte member (blocks: dir, rs1 + data, empty, long-name + name, header, data).
    r.push(archive.subarray(0, 4000));
    expect(() => r.end()).toThrow(BaleenError);
    // Missing padding or end blocks lose no data: not an error.
    const ok = new TarReader({ begin: () => {}, data: () => {}, end: () => {} });
    ok.push(archive.subarray(0, 1100));
    expect(() => ok.end()).not.toThrow();
  });
});
