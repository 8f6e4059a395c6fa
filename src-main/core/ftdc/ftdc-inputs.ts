// What the user points at (a metrics file, a diagnostic.data folder, a .tar/.tar.gz/.zip of one) →
// a stream of FTDC events, files in time order (tar members in archive order: tar is sequential).
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import { bufferSource, decodeFtdcSource, readFtdcFile, throwIfAborted, type FtdcEvent } from './ftdc-decoder';
import { isTarArchive, openTarStream, tarEntries } from './tar.reader';
import { openZip } from './zip.reader';

/** An archive member larger than this is reported, not buffered (mongod's files default to 10 MB). */
export const MAX_ARCHIVE_MEMBER_BYTES = 256 * 1024 * 1024;

export type FtdcInput = { kind: 'file'; path: string } | { kind: 'archive'; path: string; format: 'tar' | 'tar.gz' | 'zip' };

/** `metrics.*`, except the interim file's transient temp copy. */
export function isFtdcFileName(name: string): boolean {
  return name.startsWith('metrics.') && name !== 'metrics.interim.temp';
}

function rank(name: string): number {
  if (name === 'metrics.interim') return 2; // the newest samples, not yet in an archive file
  return /^metrics\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-\d+$/.test(name) ? 0 : 1;
}

/** Time order of FTDC files by name: dated files (their names sort chronologically), others, then metrics.interim. */
export function compareFtdcFileNames(a: string, b: string): number {
  const na = basename(a);
  const nb = basename(b);
  return rank(na) - rank(nb) || (na < nb ? -1 : na > nb ? 1 : 0);
}

/** Expands paths into inputs. Throws E_NOT_FOUND for a missing path or a folder without metrics.* files. */
export async function resolveFtdcInputs(paths: readonly string[]): Promise<FtdcInput[]> {
  const out: FtdcInput[] = [];
  for (const path of paths) {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      throw new BaleenError('E_NOT_FOUND', `cannot read ${path}: ${errorMessage(e)}`, { path });
    }
    if (st.isDirectory()) {
      let dirents;
      try {
        dirents = await readdir(path, { withFileTypes: true });
      } catch (e) {
        throw new BaleenError('E_INVALID_INPUT', `cannot list ${path}: ${errorMessage(e)}`, { path });
      }
      const names = dirents
        .filter((d) => d.isFile() && isFtdcFileName(d.name))
        .map((d) => d.name)
        .sort(compareFtdcFileNames);
      if (names.length === 0) throw new BaleenError('E_NOT_FOUND', `no metrics.* files in ${path}`, { path });
      for (const n of names) out.push({ kind: 'file', path: join(path, n) });
      continue;
    }
    const format = isTarArchive(path) ?? (path.toLowerCase().endsWith('.zip') ? 'zip' : null);
    if (format) out.push({ kind: 'archive', path, format });
    else out.push({ kind: 'file', path });
  }
  return out;
}

export interface SourcedEvent {
  /** Index of the input (file or archive) in resolve order. */
  input: number;
  event: FtdcEvent;
}

function archiveError(path: string, e: unknown): FtdcEvent | null {
  if (!(e instanceof BaleenError) || e.code !== 'E_PARSE') return null;
  const offset = typeof e.details?.offset === 'number' ? e.details.offset : 0;
  return { kind: 'error', file: path, offset, code: 'E_PARSE', message: e.message };
}

async function* zipEvents(path: string, signal: AbortSignal | undefined): AsyncGenerator<FtdcEvent, void, undefined> {
  let zip;
  try {
    zip = await openZip(path);
  } catch (e) {
    const ev = archiveError(path, e);
    if (!ev) throw e;
    yield ev;
    return;
  }
  try {
    // Zip is random access: members can be taken in time order.
    const members = zip.entries.filter((e) => !e.name.endsWith('/') && isFtdcFileName(basename(e.name))).sort((a, b) => compareFtdcFileNames(a.name, b.name));
    for (const entry of members) {
      throwIfAborted(signal);
      const file = `${path}!${entry.name}`;
      let data: Buffer;
      try {
        data = await zip.read(entry, MAX_ARCHIVE_MEMBER_BYTES);
      } catch (e) {
        const ev = archiveError(file, e);
        if (!ev) throw e;
        yield ev;
        continue;
      }
      yield* decodeFtdcSource(bufferSource(data), file, signal);
    }
  } finally {
    await zip.close();
  }
}

async function* archiveEvents(path: string, format: 'tar' | 'tar.gz' | 'zip', signal: AbortSignal | undefined): AsyncGenerator<FtdcEvent, void, undefined> {
  if (format === 'zip') {
    yield* zipEvents(path, signal);
    return;
  }
  const stream = openTarStream(path, format);
  try {
    for await (const { entry, read } of tarEntries(stream, signal)) {
      if (entry.typeflag !== '0' || !isFtdcFileName(basename(entry.name))) continue;
      const file = `${path}!${entry.name}`;
      if (entry.size > MAX_ARCHIVE_MEMBER_BYTES) {
        yield { kind: 'error', file, offset: 0, code: 'E_PARSE', message: `archive member is ${entry.size} bytes, over the ${MAX_ARCHIVE_MEMBER_BYTES} limit; skipped` };
        continue;
      }
      yield* decodeFtdcSource(bufferSource(await read()), file, signal);
    }
  } catch (e) {
    const ev = archiveError(path, e);
    if (!ev) throw e;
    yield ev;
  } finally {
    stream.destroy();
  }
}

/** Every event of every input, in input order (archive members in archive order). */
export async function* readFtdcInputs(inputs: readonly FtdcInput[], signal?: AbortSignal): AsyncGenerator<SourcedEvent, void, undefined> {
  for (let i = 0; i < inputs.length; i++) {
    throwIfAborted(signal);
    const input = inputs[i]!;
    const events = input.kind === 'file' ? readFtdcFile(input.path, { signal }) : archiveEvents(input.path, input.format, signal);
    for await (const event of events) yield { input: i, event };
  }
}

/** Decodes files, folders and archives: the streaming entry point for importers. */
export async function* readFtdc(paths: string | readonly string[], opts: { signal?: AbortSignal } = {}): AsyncGenerator<FtdcEvent, void, undefined> {
  const inputs = await resolveFtdcInputs(typeof paths === 'string' ? [paths] : paths);
  for await (const { event } of readFtdcInputs(inputs, opts.signal)) yield event;
}
