import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Long, serialize } from '../bson/bson';
import { afterAll, describe, expect, it } from 'vitest';
import { BaleenError } from '../../../src-shared/domain/errors';
import { chunkDocument, encodeFtdcFile, metadataDocument, buildPayload } from './ftdc-reference.fixture';
import { MAX_METADATA_BYTES, decodeFtdcBuffer, readFtdcFile, type FtdcEvent } from './ftdc-decoder';

const T0 = Date.UTC(2023, 5, 1, 12, 0, 0);
const META = { start: new Date(T0), buildInfo: { version: '6.0.4' }, hostInfo: { system: { hostname: 'db-a' } }, end: new Date(T0) };

function samples(n: number, from = 0, extra = false) {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const ss: Record<string, unknown> = { pid: new Long(77), opcounters: { insert: new Long(i * 3) } };
    if (extra) ss.extra = new Long(i);
    return { start: new Date(T0 + i * 1000), serverStatus: ss, end: new Date(T0 + i * 1000 + 2) };
  });
}

async function collect(buf: Uint8Array): Promise<FtdcEvent[]> {
  const out: FtdcEvent[] = [];
  for await (const ev of decodeFtdcBuffer(buf, { file: 'mem' })) out.push(ev);
  return out;
}

const kinds = (evs: FtdcEvent[]) => evs.map((e) => e.kind);

describe('FTDC file decoding', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baleen-ftdc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('yields metadata, then chunks split on schema change and on the 300-delta cap', async () => {
    const enc = encodeFtdcFile([...samples(350), ...samples(10, 350, true)], { metadata: META });
    const evs = await collect(enc.bytes);
    expect(kinds(evs)).toEqual(['metadata', 'chunk', 'chunk', 'chunk']);
    const [meta, ...chunks] = evs;
    expect(meta).toMatchObject({ kind: 'metadata', type: 0, offset: 0, id: T0, doc: { buildInfo: { version: '6.0.4' } } });
    const cs = chunks.filter((e) => e.kind === 'chunk');
    expect(cs.map((c) => c.samples)).toEqual([301, 49, 10]);
    expect(cs.map((c) => c.offset)).toEqual(enc.chunks.map((c) => c.offset));
    expect(cs.map((c) => c.id)).toEqual([T0, T0 + 301_000, T0 + 350_000]);
    // Same schema → the same names array; the new schema has its own.
    expect(cs[1]!.names).toBe(cs[0]!.names);
    expect(cs[2]!.names).toContain('serverStatus.extra');
    expect(Array.from(cs[1]!.columns[cs[1]!.names.indexOf('serverStatus.opcounters.insert')]!)).toEqual(
      Array.from({ length: 49 }, (_, k) => (301 + k) * 3),
    );
  });

  it('reads type 2 periodic metadata with its index', async () => {
    const enc = encodeFtdcFile(samples(3), { metadata: META, periodic: [{ start: new Date(T0), getParameter: { a: 1 } }, { start: new Date(T0), getParameter: { a: 2 } }] });
    const evs = await collect(enc.bytes);
    const metas = evs.filter((e) => e.kind === 'metadata');
    expect(metas.map((m) => [m.type, m.index])).toEqual([[0, undefined], [2, 0], [2, 1]]);
    expect(metas[2]!.doc).toEqual({ start: new Date(T0), getParameter: { a: 2 } });
  });

  it('stops quietly at the interim file zero-length sentinel', async () => {
    const enc = encodeFtdcFile(samples(5));
    const evs = await collect(Buffer.concat([enc.bytes, Buffer.alloc(8)]));
    expect(kinds(evs)).toEqual(['chunk']);
  });

  it('skips a corrupt chunk by its length, reports file and offset, and decodes the rest', async () => {
    const enc = encodeFtdcFile(samples(700), { metadata: META });
    const bytes = Buffer.from(enc.bytes);
    const bad = enc.chunks[1]!;
    // Flip bytes inside the zlib data of the middle chunk: its framing stays valid.
    const dataAt = bytes.indexOf(Buffer.from('data\0'), bad.offset) + 5 + 5 + 4 + 20;
    for (let i = 0; i < 16; i++) bytes[dataAt + i] = bytes[dataAt + i]! ^ 0x5a;
    const evs = await collect(bytes);
    expect(kinds(evs)).toEqual(['metadata', 'chunk', 'error', 'chunk']);
    expect(evs[2]).toMatchObject({ kind: 'error', file: 'mem', offset: bad.offset, code: 'E_PARSE' });
    expect((evs[2] as { message: string }).message).toMatch(/bad metric chunk/);
  });

  it('resyncs after a broken length field and after garbage between documents', async () => {
    const enc = encodeFtdcFile(samples(700), { metadata: META });
    const broken = Buffer.from(enc.bytes);
    broken.writeInt32LE(0x7fffffff, enc.chunks[0]!.offset);
    let evs = await collect(broken);
    expect(kinds(evs)).toEqual(['metadata', 'error', 'chunk', 'chunk']);
    expect(evs[1]).toMatchObject({ offset: enc.chunks[0]!.offset });
    expect((evs[1] as { message: string }).message).toMatch(`resuming at offset ${enc.chunks[1]!.offset}`);

    const at = enc.chunks[1]!.offset;
    const withGarbage = Buffer.concat([enc.bytes.subarray(0, at), Buffer.from('garbage! \x09_id\x00 not a doc'), enc.bytes.subarray(at)]);
    evs = await collect(withGarbage);
    expect(kinds(evs)).toEqual(['metadata', 'chunk', 'error', 'chunk', 'chunk']);
    expect(evs[2]).toMatchObject({ offset: at });
  });

  it('reports a truncated last document (a file still being written) and keeps what came before', async () => {
    const enc = encodeFtdcFile(samples(400), { metadata: META });
    const cut = enc.bytes.subarray(0, enc.bytes.length - 100);
    const evs = await collect(cut);
    expect(kinds(evs)).toEqual(['metadata', 'chunk', 'error']);
    expect((evs[2] as { message: string }).message).toMatch(/runs past the end of the file/);
    const tiny = await collect(Buffer.concat([enc.bytes, Buffer.from([1, 2])]));
    expect(kinds(tiny).at(-1)).toBe('error');
  });

  it('reports documents mongod would refuse: no Date _id, unknown type, missing data/doc', async () => {
    const ok = chunkDocument(new Date(T0), buildPayload({ ref: serialize({ start: new Date(T0) }), metricsCount: 1, sampleCount: 0, stream: Buffer.alloc(0) }));
    const docs = [
      Buffer.from(serialize({ _id: 5, type: 1, data: Buffer.alloc(3) })),
      Buffer.from(serialize({ _id: new Date(T0), type: 9 })),
      Buffer.from(serialize({ _id: new Date(T0), type: 1 })),
      Buffer.from(serialize({ _id: new Date(T0), type: 0 })),
      Buffer.from(serialize({ _id: new Date(T0), type: 'x' })),
      ok,
    ];
    const evs = await collect(Buffer.concat(docs));
    expect(evs.map((e) => (e.kind === 'error' ? e.message : e.kind))).toEqual([
      'document has no Date `_id`',
      'unknown document type 9',
      'metric chunk has no BinData `data`',
      'type 0 document has no `doc` object',
      'document has no integer `type`',
      'chunk',
    ]);
  });

  it('refuses a metadata document over 1 MiB (it would become a huge object graph) and goes on', async () => {
    const big = metadataDocument(new Date(T0), { start: new Date(T0), blob: 'x'.repeat(MAX_METADATA_BYTES) });
    const enc = encodeFtdcFile(samples(3));
    const evs = await collect(Buffer.concat([big, enc.bytes]));
    expect(kinds(evs)).toEqual(['error', 'chunk']);
    expect((evs[0] as { message: string }).message).toMatch(/over the 1048576 limit/);
  });

  it('keeps `__proto__` keys in metadata as data, never as prototypes', async () => {
    const doc = Buffer.from(serialize({ start: new Date(T0) }));
    // Build {__proto__: {polluted: 1}} by hand: serialize() would drop it.
    const inner = Buffer.from(serialize({ polluted: 1 }));
    const elem = Buffer.concat([Buffer.from([0x03]), Buffer.from('__proto__\0'), inner]);
    const body = Buffer.concat([doc.subarray(0, doc.length - 1), elem, Buffer.from([0])]);
    body.writeInt32LE(body.length, 0);
    const meta = metadataDocument(new Date(T0), { placeholder: 1 });
    const replaced = Buffer.concat([meta.subarray(0, meta.indexOf(Buffer.from('doc\0')) + 4), body, Buffer.from([0])]);
    replaced.writeInt32LE(replaced.length, 0);
    const evs = await collect(replaced);
    expect(evs[0]!.kind).toBe('metadata');
    const d = (evs[0] as { doc: Record<string, unknown> }).doc;
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    expect(Object.hasOwn(d, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads a file from disk document by document, and cancels with E_CANCELLED', async () => {
    const enc = encodeFtdcFile(samples(650), { metadata: META });
    const path = join(dir, 'metrics.2023-06-01T12-00-00Z-00000');
    writeFileSync(path, enc.bytes);
    const evs: FtdcEvent[] = [];
    for await (const ev of readFtdcFile(path)) evs.push(ev);
    expect(kinds(evs)).toEqual(['metadata', 'chunk', 'chunk', 'chunk']);
    expect(evs.every((e) => e.file === path)).toBe(true);

    const ac = new AbortController();
    const seen: string[] = [];
    const run = async () => {
      for await (const ev of readFtdcFile(path, { signal: ac.signal })) {
        seen.push(ev.kind);
        ac.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(seen).toEqual(['metadata']);
    await expect(async () => {
      for await (const _ of readFtdcFile(join(dir, 'missing'))) void _;
    }).rejects.toSatisfy((e: unknown) => e instanceof BaleenError && e.code === 'E_NOT_FOUND');
  });
});
