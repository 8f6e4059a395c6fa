import { open, readdir, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { basename, join, resolve } from 'node:path';
import { constants as zc, createGunzip, gunzipSync } from 'node:zlib';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import { TarReader } from './tar.reader';

/**
 * Local log sources: files, folders, `.gz`, `.tar` / `.tar.gz` (what Atlas and support bundles
 * hand out), rotated sets. Compression and archives are detected from the bytes, not the name.
 */
export interface LogInput {
  /** What the user sees: the path as given (folder members joined to it). */
  path: string;
  /** Absolute path on disk. */
  file: string;
  size: number;
  mtimeMs: number;
  container: 'plain' | 'gzip';
}

/** A piece of a source as it is read: archives hold several members, the rest one. */
export type InputPiece =
  | { type: 'begin'; path: string; size: number | null }
  | { type: 'data'; chunk: Buffer; rawBytesRead: number }
  | { type: 'end' }
  | { type: 'error'; message: string };

export interface SkippedInput {
  path: string;
  reason: string;
}

const READ_CHUNK = 1024 * 1024;
const SNIFF_BYTES = 64 * 1024;
const MAX_FOLDER_DEPTH = 4;
/** Folders that hold other diagnostics, never text logs. */
const SKIP_DIRS = new Set(['diagnostic.data', 'node_modules', '.git']);

/** Expands paths: files are taken as given; folders contribute the files that look like logs. */
export async function expandInputs(paths: string[], cwd: string): Promise<{ inputs: LogInput[]; skipped: SkippedInput[] }> {
  const inputs: LogInput[] = [];
  const skipped: SkippedInput[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let st;
    try {
      st = await stat(abs);
    } catch (e) {
      throw new BaleenError('E_NOT_FOUND', `cannot read ${p}: ${errorMessage(e)}`);
    }
    if (st.isDirectory()) {
      const found: (LogInput & { firstTs: string })[] = [];
      await walk(abs, p, 0, found, skipped);
      // Rotated sets read oldest first: by the first timestamp inside, then by name.
      found.sort((a, b) => (a.firstTs < b.firstTs ? -1 : a.firstTs > b.firstTs ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      for (const f of found) inputs.push({ path: f.path, file: f.file, size: f.size, mtimeMs: f.mtimeMs, container: f.container });
    } else if (st.isFile()) {
      // A file named explicitly is read whatever it looks like; if it cannot even be sniffed,
      // reading it reports why (as a file error, after the other inputs are read).
      const sniff = await sniffFile(abs).catch(() => ({ container: 'plain' as const }));
      inputs.push({ path: p, file: abs, size: st.size, mtimeMs: st.mtimeMs, container: sniff.container });
    } else {
      skipped.push({ path: p, reason: 'not a regular file' });
    }
  }
  return { inputs, skipped };
}

async function walk(dir: string, shown: string, depth: number, out: (LogInput & { firstTs: string })[], skipped: SkippedInput[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    skipped.push({ path: shown, reason: errorMessage(e) });
    return;
  }
  for (const ent of entries) {
    if (ent.name.startsWith('.')) continue;
    const file = join(dir, ent.name);
    const path = join(shown, ent.name);
    if (ent.isDirectory()) {
      if (depth < MAX_FOLDER_DEPTH && !SKIP_DIRS.has(ent.name)) await walk(file, path, depth + 1, out, skipped);
      continue;
    }
    if (!ent.isFile() && !ent.isSymbolicLink()) continue;
    try {
      const st = await stat(file);
      if (!st.isFile()) continue;
      const sniff = await sniffFile(file);
      if (sniff.kind === 'log' || sniff.kind === 'tar') out.push({ path, file, size: st.size, mtimeMs: st.mtimeMs, container: sniff.container, firstTs: sniff.firstTs });
      else skipped.push({ path, reason: 'does not look like a mongod log' });
    } catch (e) {
      skipped.push({ path, reason: errorMessage(e) });
    }
  }
}

const LOG_START = /^(\{"t":|\{ ?"t" ?:|\d{4}-\d\d-\d\dT\d\d:\d\d|(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) )/;

/** Looks at a file's first bytes: compressed or not, a log, an archive, or something else. */
export async function sniffFile(file: string): Promise<{ container: 'plain' | 'gzip'; kind: 'log' | 'tar' | 'other'; firstTs: string }> {
  const fh = await open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  let container: 'plain' | 'gzip' = 'plain';
  if (head[0] === 0x1f && head[1] === 0x8b) {
    container = 'gzip';
    try {
      head = gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH });
    } catch {
      return { container, kind: 'other', firstTs: '' };
    }
  }
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return { container, kind: 'tar', firstTs: '' };
  const text = head.toString('utf8', 0, Math.min(head.length, 8192)).replace(/^\uFEFF/, '');
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  if (!LOG_START.test(first.trimStart())) return { container, kind: 'other', firstTs: '' };
  const iso = /"\$date":"([^"]+)"|^(\d{4}-\d\d-\d\dT[\d:.]+)/.exec(first);
  return { container, kind: 'log', firstTs: iso?.[1] ?? iso?.[2] ?? '' };
}

/**
 * Reads a source as pieces. Errors while reading (a corrupt gzip, a truncated archive) arrive as
 * an `error` piece after everything that could be read: nothing already read is lost.
 */
export async function* readInput(input: LogInput, signal?: AbortSignal, range?: { start: number; end: number }): AsyncGenerator<InputPiece> {
  // Whatever fails (permission denied, the file vanished, a disk error) ends this input with an
  // error piece after what was read; only cancellation propagates.
  let open = false;
  try {
    for await (const piece of input.container === 'plain' ? readPlain(input, signal, range) : readGzip(input, signal)) {
      if (piece.type === 'begin') open = true;
      else if (piece.type === 'end') open = false;
      yield piece;
    }
  } catch (e) {
    if (e instanceof BaleenError && e.code === 'E_CANCELLED') throw e;
    if (!open) yield { type: 'begin', path: input.path, size: null };
    yield { type: 'end' };
    yield { type: 'error', message: `${basename(input.path)}: ${errorMessage(e)}` };
  }
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new BaleenError('E_CANCELLED', 'log analysis cancelled');
}

async function* readPlain(input: LogInput, signal?: AbortSignal, range?: { start: number; end: number }): AsyncGenerator<InputPiece> {
  const start = range?.start ?? 0;
  const end = range?.end ?? Infinity;
  const size = range ? range.end - range.start : input.size;
  const fh = await open(input.file, 'r');
  let isTar = false;
  try {
    // The next read is issued before the current chunk is handed out, so parsing and I/O overlap.
    const readAt = async (pos: number): Promise<Buffer> => {
      const want = Math.min(READ_CHUNK, end - pos);
      if (want <= 0) return Buffer.alloc(0);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      return buf.subarray(0, bytesRead);
    };
    let pos = start;
    let next: Promise<Buffer> = readAt(pos);
    let first = true;
    for (;;) {
      checkAbort(signal);
      const chunk = await next;
      if (chunk.length === 0) break;
      pos += chunk.length;
      next = readAt(pos);
      if (first) {
        first = false;
        // An uncompressed tar: hand it to the archive reader instead.
        if (start === 0 && chunk.length >= 262 && chunk.toString('latin1', 257, 262) === 'ustar') {
          isTar = true;
          await next;
          break;
        }
        yield { type: 'begin', path: input.path, size };
      }
      yield { type: 'data', chunk, rawBytesRead: pos - start };
    }
    if (!isTar) {
      await next.catch(() => undefined);
      if (first) yield { type: 'begin', path: input.path, size: 0 };
      yield { type: 'end' };
      return;
    }
  } finally {
    await fh.close();
  }
  yield* readStreamPieces(input, createReadStream(input.file, { highWaterMark: READ_CHUNK }), false, signal);
}

function readGzip(input: LogInput, signal?: AbortSignal): AsyncGenerator<InputPiece> {
  return readStreamPieces(input, createReadStream(input.file, { highWaterMark: READ_CHUNK }), true, signal);
}

async function* readStreamPieces(input: LogInput, raw: NodeJS.ReadableStream & { bytesRead?: number; destroy(): void }, gzip: boolean, signal?: AbortSignal): AsyncGenerator<InputPiece> {
  // pipeline, not pipe: a read error on the file must reach the loop below, not leave it waiting.
  const source = gzip ? pipeline(raw, createGunzip({ chunkSize: 256 * 1024 }), () => {}) : raw;
  let mode: 'unknown' | 'plain' | 'tar' = 'unknown';
  let sniffed: Buffer[] = [];
  let sniffedBytes = 0;
  const pending: InputPiece[] = [];
  let inMember = false;
  const tar = new TarReader({
    begin: (name, size) => {
      inMember = true;
      pending.push({ type: 'begin', path: `${input.path}:${name}`, size });
    },
    data: (chunk) => pending.push({ type: 'data', chunk: Buffer.from(chunk), rawBytesRead: raw.bytesRead ?? 0 }),
    end: () => {
      inMember = false;
      pending.push({ type: 'end' });
    },
  });
  const feed = (chunk: Buffer): void => {
    if (mode === 'tar') tar.push(chunk);
    else pending.push({ type: 'data', chunk, rawBytesRead: raw.bytesRead ?? 0 });
  };
  let failure: string | undefined;
  try {
    for await (const c of source as AsyncIterable<Buffer>) {
      checkAbort(signal);
      if (mode === 'unknown') {
        sniffed.push(c);
        sniffedBytes += c.length;
        if (sniffedBytes < 512) continue;
        const head = Buffer.concat(sniffed);
        sniffed = [];
        mode = head.toString('latin1', 257, 262) === 'ustar' ? 'tar' : 'plain';
        if (mode === 'plain') pending.push({ type: 'begin', path: input.path, size: null });
        feed(head);
      } else feed(c);
      while (pending.length > 0) yield pending.shift()!;
    }
    if (mode === 'unknown') {
      mode = 'plain';
      pending.push({ type: 'begin', path: input.path, size: null });
      if (sniffedBytes > 0) feed(Buffer.concat(sniffed));
    }
    if (mode === 'tar') tar.end();
    else pending.push({ type: 'end' });
  } catch (e) {
    if (e instanceof BaleenError && e.code === 'E_CANCELLED') {
      raw.destroy();
      throw e;
    }
    failure = `${basename(input.path)}: ${errorMessage(e)}`;
    if (mode === 'unknown') {
      // Whatever decompressed before the failure is still read.
      mode = 'plain';
      pending.push({ type: 'begin', path: input.path, size: null });
      if (sniffedBytes > 0) feed(Buffer.concat(sniffed));
    }
    if (mode === 'plain' || inMember) pending.push({ type: 'end' });
  } finally {
    raw.destroy();
  }
  while (pending.length > 0) yield pending.shift()!;
  if (failure !== undefined) yield { type: 'error', message: failure };
}
