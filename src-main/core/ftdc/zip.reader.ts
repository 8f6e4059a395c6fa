// A small zip reader (stored and deflated members, no zip64, no encryption), enough to open a
// zipped diagnostic.data with node:zlib alone. Sizes and offsets come from untrusted headers: each
// is checked against the file size and the caller's cap before anything is allocated.
import { open, type FileHandle } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
/** End-of-central-directory record (22 bytes) plus the longest comment (65,535 bytes). */
const EOCD_SEARCH = 22 + 0xffff;
/** The central directory is names and sizes: refuse one bigger than this. */
const MAX_CENTRAL_DIRECTORY = 16 * 1024 * 1024;

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

function bad(message: string, offset: number): BaleenError {
  return new BaleenError('E_PARSE', message, { offset });
}

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const out = Buffer.alloc(len);
  let got = 0;
  try {
    while (got < len) {
      const { bytesRead } = await fh.read(out, got, len - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
  } catch (e) {
    throw new BaleenError('E_INVALID_INPUT', `cannot read the zip archive at offset ${pos + got}: ${errorMessage(e)}`);
  }
  return out.subarray(0, got);
}

/** An open zip archive: its central directory, and member data on request. */
export interface ZipArchive {
  entries: ZipEntry[];
  /** The member's bytes; refused (E_PARSE) when its declared size is over `cap`. */
  read(entry: ZipEntry, cap: number): Promise<Buffer>;
  close(): Promise<void>;
}

export async function openZip(path: string): Promise<ZipArchive> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new BaleenError('E_NOT_FOUND', `cannot open ${path}: ${errorMessage(e)}`, { path });
  }
  try {
    const { size } = await fh.stat();
    const tailStart = Math.max(0, size - EOCD_SEARCH);
    const tail = await readAt(fh, tailStart, size - tailStart);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIG) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw bad('not a zip archive (no end-of-central-directory record)', size);
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      throw new BaleenError('E_UNSUPPORTED', 'zip64 archives are not supported; unpack it or use .tar.gz', { path });
    }
    if (cdSize > MAX_CENTRAL_DIRECTORY || cdOffset + cdSize > size) throw bad('zip central directory lies outside the file', tailStart + eocd);
    const cd = await readAt(fh, cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CEN_SIG) throw bad('corrupt zip central directory', cdOffset + p);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      if (p + 46 + nameLen > cd.length) throw bad('corrupt zip central directory', cdOffset + p);
      entries.push({
        flags: cd.readUInt16LE(p + 8),
        method: cd.readUInt16LE(p + 10),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localHeaderOffset: cd.readUInt32LE(p + 42),
        name: cd.toString('utf8', p + 46, p + 46 + nameLen),
      });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return {
      entries,
      async read(entry, cap) {
        if (entry.size > cap) throw bad(`zip member ${entry.name} is ${entry.size} bytes, over the ${cap} limit`, entry.localHeaderOffset);
        if (entry.flags & 1) throw bad(`zip member ${entry.name} is encrypted`, entry.localHeaderOffset);
        if (entry.method !== 0 && entry.method !== 8) throw bad(`zip member ${entry.name} uses compression method ${entry.method}`, entry.localHeaderOffset);
        const loc = await readAt(fh, entry.localHeaderOffset, 30);
        if (loc.length < 30 || loc.readUInt32LE(0) !== LOC_SIG) throw bad(`corrupt zip local header for ${entry.name}`, entry.localHeaderOffset);
        const dataStart = entry.localHeaderOffset + 30 + loc.readUInt16LE(26) + loc.readUInt16LE(28);
        if (dataStart + entry.compressedSize > size) throw bad(`zip member ${entry.name} runs past the end of the file`, entry.localHeaderOffset);
        if (entry.method === 0 && entry.compressedSize !== entry.size) throw bad(`stored zip member ${entry.name} has inconsistent sizes`, entry.localHeaderOffset);
        // A stored member is at most `cap` bytes; a deflated one is at most `cap` compressed too, since deflate never expands by more than a few bytes per 32 KiB.
        if (entry.compressedSize > cap + 1024 + cap / 1000) throw bad(`zip member ${entry.name} is too large`, entry.localHeaderOffset);
        const raw = await readAt(fh, dataStart, entry.compressedSize);
        if (entry.method === 0) return raw;
        try {
          const out = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
          if (out.length !== entry.size) throw new Error(`inflated to ${out.length} bytes, the directory says ${entry.size}`);
          return out;
        } catch (e) {
          throw bad(`zip member ${entry.name} does not inflate: ${errorMessage(e)}`, entry.localHeaderOffset);
        }
      },
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}
