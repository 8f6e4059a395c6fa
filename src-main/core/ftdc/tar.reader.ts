// A small streaming tar reader (ustar, GNU long names, pax `path`), enough to read a
// diagnostic.data archive without a new dependency. Entry sizes come from untrusted headers, so
// callers choose which entries to buffer and under what cap; skipped entries are streamed past.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';

const BLOCK = 512;
/** GNU long-name and pax header bodies are names, not data: refuse anything bigger. */
const MAX_META_BYTES = 1024 * 1024;

export interface TarEntry {
  name: string;
  size: number;
  /** '0' regular file, '5' directory, ... (NUL is read as '0'). */
  typeflag: string;
  /** Offset of the entry's data in the (decompressed) tar stream. */
  offset: number;
}

/** Pull-style reader over a byte stream. */
class StreamReader {
  private readonly it: AsyncIterator<Buffer | string>;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  position = 0;

  constructor(stream: Readable) {
    this.it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.done) {
      let r: IteratorResult<Buffer | string>;
      try {
        r = await this.it.next();
      } catch (e) {
        throw new BaleenError('E_PARSE', `archive cannot be read: ${errorMessage(e)}`, { offset: this.position + this.buffered });
      }
      if (r.done) this.done = true;
      else {
        const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
        this.chunks.push(b);
        this.buffered += b.length;
      }
    }
  }

  /** Exactly n bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const take = Math.min(n, this.buffered);
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, take);
    const rest = all.subarray(take);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    this.position += take;
    return out;
  }

  /** Skips n bytes without holding them. Returns how many were skipped. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0) {
        await this.fill(1);
        if (this.buffered === 0) break;
      }
      const head = this.chunks[0]!;
      if (head.length <= left) {
        this.chunks.shift();
        this.buffered -= head.length;
        left -= head.length;
      } else {
        this.chunks[0] = head.subarray(left);
        this.buffered -= left;
        left = 0;
      }
    }
    this.position += n - left;
    return n - left;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

function cstr(b: Buffer, start: number, len: number): string {
  const end = b.indexOf(0, start);
  return b.toString('utf8', start, end >= 0 && end < start + len ? end : start + len);
}

function octal(b: Buffer, start: number, len: number): number {
  if (b[start]! & 0x80) {
    // GNU base-256 (for sizes ≥ 8 GiB): big-endian, top bit set; negative values are refused.
    if (b[start]! & 0x40) return Number.NaN;
    let v = b[start]! & 0x3f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = b.toString('latin1', start, start + len).replace(/[\0 ]+$/g, '').trim();
  return /^[0-7]+$/.test(s) ? parseInt(s, 8) : s === '' ? 0 : Number.NaN;
}

function checksumOk(h: Buffer): boolean {
  const stored = octal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum === stored;
}

function paxPath(body: Buffer): string | null {
  let p = 0;
  let path: string | null = null;
  while (p < body.length) {
    const sp = body.indexOf(0x20, p);
    if (sp < 0) break;
    const len = Number(body.toString('latin1', p, sp));
    if (!Number.isInteger(len) || len <= 0 || p + len > body.length) break;
    const rec = body.toString('utf8', sp + 1, p + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0 && rec.slice(0, eq) === 'path') path = rec.slice(eq + 1);
    p += len;
  }
  return path;
}

function bad(message: string, offset: number): BaleenError {
  return new BaleenError('E_PARSE', message, { offset });
}

export interface TarItem {
  entry: TarEntry;
  /** The entry's data; call at most once, and only after checking `entry.size` against a cap. */
  read(): Promise<Buffer>;
}

/**
 * Iterates the entries of a tar stream; unread entry data is streamed past when the consumer moves
 * on, so only what the consumer reads is held. Throws E_PARSE on a corrupt header or stream.
 */
export async function* tarEntries(stream: Readable, signal?: AbortSignal): AsyncGenerator<TarItem, void, undefined> {
  const r = new StreamReader(stream);
  let longName: string | null = null;
  try {
    for (;;) {
      if (signal?.aborted) throw new BaleenError('E_CANCELLED', 'archive reading was cancelled', undefined, { cause: signal.reason });
      const at = r.position;
      const h = await r.read(BLOCK);
      if (h.length === 0) return;
      if (h.length < BLOCK) throw bad('archive ends inside a tar header', at);
      if (h.every((x) => x === 0)) return;
      if (!checksumOk(h)) throw bad('tar header checksum does not match (not a tar archive, or corrupt)', at);
      const size = octal(h, 124, 12);
      if (!Number.isSafeInteger(size) || size < 0) throw bad('tar header has a bad size field', at);
      const typeflag = h[156] === 0 ? '0' : String.fromCharCode(h[156]!);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (typeflag === 'L' || typeflag === 'x' || typeflag === 'g') {
        if (size > MAX_META_BYTES) throw bad('tar long-name/pax header is too large', at);
        const body = await r.read(padded);
        if (body.length < padded) throw bad('archive ends inside a tar header body', at);
        if (typeflag === 'L') longName = cstr(body, 0, size);
        else if (typeflag === 'x') longName = paxPath(body.subarray(0, size)) ?? longName;
        continue;
      }
      const magic = h.toString('latin1', 257, 262);
      const prefix = magic === 'ustar' ? cstr(h, 345, 155) : '';
      const name = longName ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
      longName = null;
      const entry: TarEntry = { name, size, typeflag, offset: r.position };
      let consumed = 0;
      yield {
        entry,
        read: async () => {
          if (consumed) throw new BaleenError('E_INTERNAL', 'tar entry data read twice');
          const data = await r.read(size);
          consumed = data.length;
          if (data.length < size) throw bad(`archive ends inside entry ${name}`, entry.offset);
          return data;
        },
      };
      const skipped = await r.skip(padded - consumed);
      if (skipped < padded - consumed) throw bad(`archive ends inside entry ${name}`, entry.offset);
    }
  } finally {
    await r.close();
  }
}

export function isTarArchive(path: string): 'tar' | 'tar.gz' | null {
  const p = path.toLowerCase();
  if (p.endsWith('.tar.gz') || p.endsWith('.tgz')) return 'tar.gz';
  if (p.endsWith('.tar')) return 'tar';
  return null;
}

/** The tar byte stream of an archive file (gunzipped when needed). */
export function openTarStream(path: string, format: 'tar' | 'tar.gz'): Readable {
  const file = createReadStream(path);
  if (format === 'tar') return file;
  const gunzip = createGunzip();
  file.on('error', (e) => gunzip.destroy(e));
  return file.pipe(gunzip);
}
