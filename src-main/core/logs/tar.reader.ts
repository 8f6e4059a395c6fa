import { BaleenError } from '../../../src-shared/domain/errors';

/**
 * A streaming reader for the tar archives logs come in (ustar, GNU long names, pax paths).
 * Push bytes in; it calls back per member with its content in pieces, holding at most one
 * 512-byte header. Only regular files are reported; everything else is skipped. A corrupt header
 * (bad checksum, bad size) is an E_PARSE error: what was already delivered stays delivered.
 */
export interface TarSink {
  begin(name: string, size: number): void;
  data(chunk: Buffer): void;
  end(): void;
}

const BLOCK = 512;

export class TarReader {
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Content bytes left in the current member, then its padding. */
  private remaining = 0;
  private padding = 0;
  private kind: 'file' | 'skip' | 'longname' | 'pax' | 'none' = 'none';
  private meta: Buffer[] = [];
  private nextName: string | undefined;
  private finished = false;
  members = 0;

  constructor(private readonly sink: TarSink) {}

  /** True after the two zero blocks that end an archive. */
  get done(): boolean {
    return this.finished;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.finished) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - pos);
        const piece = chunk.subarray(pos, pos + take);
        if (this.kind === 'file') this.sink.data(piece);
        else if (this.kind === 'longname' || this.kind === 'pax') this.meta.push(Buffer.from(piece));
        this.remaining -= take;
        pos += take;
        if (this.remaining === 0) this.memberDone();
        continue;
      }
      if (this.padding > 0) {
        const take = Math.min(this.padding, chunk.length - pos);
        this.padding -= take;
        pos += take;
        continue;
      }
      const take = Math.min(BLOCK - this.headerFill, chunk.length - pos);
      chunk.copy(this.header, this.headerFill, pos, pos + take);
      this.headerFill += take;
      pos += take;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.onHeader();
      }
    }
  }

  /** The input ended: an archive cut short is an error after the members already delivered. */
  end(): void {
    if (this.finished) return;
    if (this.remaining > 0 || this.headerFill > 0) {
      if (this.kind === 'file') this.sink.end();
      throw new BaleenError('E_PARSE', 'tar archive is truncated');
    }
  }

  private onHeader(): void {
    const h = this.header;
    if (h.every((b) => b === 0)) {
      // One zero block is enough to stop: some writers omit the second.
      this.finished = true;
      return;
    }
    const stored = parseOctal(h, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (stored === undefined || stored !== sum) throw new BaleenError('E_PARSE', 'tar header checksum mismatch');
    const size = parseSize(h);
    if (size === undefined || size < 0) throw new BaleenError('E_PARSE', 'tar header has a bad size');
    const type = String.fromCharCode(h[156]!);
    let name = cString(h, 0, 100);
    if (h.toString('latin1', 257, 262) === 'ustar') {
      const prefix = cString(h, 345, 155);
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    if (this.nextName !== undefined) {
      name = this.nextName;
      this.nextName = undefined;
    }
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === '0' || type === '\0' || type === '7') {
      this.kind = 'file';
      this.members++;
      this.sink.begin(name, size);
    } else if (type === 'L') this.kind = 'longname';
    else if (type === 'x') this.kind = 'pax';
    else this.kind = 'skip';
    if (size === 0) this.memberDone();
  }

  private memberDone(): void {
    if (this.kind === 'file') this.sink.end();
    else if (this.kind === 'longname') this.nextName = cString(Buffer.concat(this.meta), 0, Infinity);
    else if (this.kind === 'pax') {
      const path = paxPath(Buffer.concat(this.meta).toString('utf8'));
      if (path !== undefined) this.nextName = path;
    }
    this.meta = [];
    this.kind = 'none';
  }
}

function cString(b: Buffer, start: number, len: number): string {
  const end = Math.min(b.length, start + len);
  const nul = b.indexOf(0, start);
  return b.toString('utf8', start, nul >= 0 && nul < end ? nul : end);
}

function parseOctal(b: Buffer, start: number, len: number): number | undefined {
  const s = b.toString('latin1', start, start + len).replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(s)) return undefined;
  return parseInt(s, 8);
}

/** Octal, or GNU base-256 (high bit set) for members over 8 GiB. */
function parseSize(h: Buffer): number | undefined {
  if ((h[124]! & 0x80) !== 0) {
    let n = 0;
    for (let i = 125; i < 136; i++) n = n * 256 + h[i]!;
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return parseOctal(h, 124, 12);
}

/** The `path` record of a pax extended header ("<len> path=<value>\n" records). */
function paxPath(text: string): string | undefined {
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(' ', i);
    if (sp < 0) return undefined;
    const len = Number(text.slice(i, sp));
    if (!Number.isInteger(len) || len <= 0) return undefined;
    const record = text.slice(sp + 1, i + len - 1);
    if (record.startsWith('path=')) return record.slice(5);
    i += len;
  }
  return undefined;
}
