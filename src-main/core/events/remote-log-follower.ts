import { posix } from 'node:path';
import { BaleenError } from '../../../src-shared/domain/errors';
import { LineSplitter, LogFileReader, type LogEvent, type UnparsedLine } from '../logs';
import type { Clock } from '../ports/clock';
import { defineExecTemplate, execAllowlisted, type ExecResult, type ExecTemplate } from '../tunnels';
import type { ExecSessionSource } from '../tunnels/exec-allowlist';
import type { EventStore } from './event.store';
import { FollowedSource } from './followed-source';
import type { EventWriter } from './event-writer';

/**
 * Follows a mongod log on its host over SSH, with nothing but allowlisted commands (stat, dd, od,
 * find; each optionally through `sudo -n` for files only the mongod user can read):
 *
 * - First, the newest `initialBytes` of the file (the user's cap); what lies before is skipped and
 *   recorded as a gap, starting at the first whole line.
 * - Then, each poll reads from the committed position to the current size. The position (inode,
 *   byte offset of the first line not yet complete, next line number) is committed in the same
 *   transaction as the lines it covers, so a dropped connection, a failed poll or a Baleen restart
 *   resumes exactly there: nothing lost, nothing twice.
 * - Rotation: a new inode at the path means the file was renamed (mongod's logRotate, logrotate):
 *   the rest of the old file is read from where it was found again by its inode (`find -inum`), then
 *   the new file from its start. A file that shrank in place (copytruncate) starts over at 0 and
 *   records that lines may be missing.
 */
export interface RemoteCursor {
  inode: string;
  /** Byte offset where the next unread (or incomplete) line starts. */
  offset: number;
  /** Its line number in that file (counted from where reading began). */
  line: number;
  fileId: number;
  /** Rotations followed (names the stored files). */
  generation: number;
  /** The offset may be inside a line (reading began part-way into the file): skip to the next line first. */
  align?: boolean;
}

export interface FollowOptions {
  store: EventStore;
  sourceId: number;
  nodeId: string;
  session: ExecSessionSource;
  path: string;
  sudo: boolean;
  initialBytes: number;
  intervalMs: number;
  clock: Clock;
  /** Bytes per read (default 768 KiB: under the exec output cap with room to spare). */
  chunkBytes?: number;
  execDeadlineMs?: number;
  onChange?: () => void;
}

const PATH_ARG = { pattern: /^\/[^\0\n\r]*$/, maxLength: 1024 };
const NUM = (max: number) => ({ pattern: new RegExp(`^\\d{1,${max}}$`) });

function templates(sudo: boolean): { stat: ExecTemplate; dd: ExecTemplate; od: ExecTemplate; find: ExecTemplate } {
  const pre = sudo ? ['sudo', '-n'] : [];
  const id = (s: string) => `logs.${s}${sudo ? '.sudo' : ''}`;
  return {
    stat: defineExecTemplate(id('stat'), [...pre, 'stat', '-L', '-c', '%i %s', '--', { arg: 'path', ...PATH_ARG }]),
    dd: defineExecTemplate(id('dd'), [
      ...pre,
      'dd',
      { arg: 'input', pattern: /^if=\/[^\0\n\r]*$/, maxLength: 1027 },
      'iflag=skip_bytes,count_bytes',
      'bs=65536',
      { arg: 'skip', pattern: /^skip=\d{1,16}$/ },
      { arg: 'count', pattern: /^count=\d{1,8}$/ },
      'status=none',
    ]),
    od: defineExecTemplate(id('od'), [...pre, 'od', '-An', '-v', '-tx1', '-j', { arg: 'skip', ...NUM(16) }, '-N', { arg: 'count', ...NUM(8) }, '--', { arg: 'path', ...PATH_ARG }]),
    find: defineExecTemplate(id('find'), [...pre, 'find', { arg: 'dir', ...PATH_ARG }, '-maxdepth', '1', '-inum', { arg: 'inode', ...NUM(20) }, '-type', 'f']),
  };
}

/** od prints 3 characters per byte (plus line breaks): keep its reads well under the output cap. */
const OD_CHUNK = 256 * 1024;

export class RemoteLogFollower extends FollowedSource<{ records: number; rotated: boolean }> {
  private cursor: RemoteCursor | null;
  private readonly writer: EventWriter;
  private readonly t: ReturnType<typeof templates>;
  private readonly label: string;

  constructor(private readonly o: FollowOptions) {
    super(o, 'Following the log was stopped.');
    const rec = o.store.requireSource(o.sourceId);
    this.label = rec.info.label;
    this.writer = o.store.openWriter(o.sourceId, { nodeId: o.nodeId });
    this.t = templates(o.sudo);
    const c = rec.cursor as Partial<RemoteCursor> | null;
    this.cursor =
      c && typeof c.inode === 'string' && typeof c.offset === 'number' && typeof c.line === 'number' && typeof c.fileId === 'number'
        ? { inode: c.inode, offset: c.offset, line: c.line, fileId: c.fileId, generation: c.generation ?? 0, align: c.align === true }
        : null;
    if (this.cursor) this.writer.resumeFile(this.cursor.fileId, this.fileLabel(this.cursor.generation), rec.info.lastTs);
  }

  get position(): RemoteCursor | null {
    return this.cursor && { ...this.cursor };
  }

  private fileLabel(generation: number): string {
    return generation === 0 ? this.label : `${this.label} (after rotation ${generation})`;
  }

  private async exec(t: ExecTemplate, args: Record<string, string>, signal: AbortSignal): Promise<ExecResult> {
    const r = await execAllowlisted(this.o.session, t, args, { deadlineMs: this.o.execDeadlineMs ?? 30_000, clock: this.o.clock, signal });
    if (r.exitCode !== 0) {
      const err = r.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300);
      if (this.o.sudo && /sudo:/.test(err)) {
        throw new BaleenError('E_NOT_AUTHORIZED', `sudo -n refused to run ${t.id.replace(/^logs\.|\.sudo$/g, '')} on the host (${err}). Allow the SSH user to run it without a password (a sudoers rule), or turn sudo off.`);
      }
      if (/Permission denied/i.test(err)) {
        throw new BaleenError('E_NOT_AUTHORIZED', `The SSH user cannot read ${this.o.path} (${err}). Files owned by the mongod user need "read through sudo".`);
      }
      if (/No such file/i.test(err)) throw new BaleenError('E_NOT_FOUND', `${this.o.path} does not exist on the host (${err}).`);
      throw new BaleenError('E_UNSUPPORTED', `The host command ${t.id} failed (exit ${r.exitCode ?? r.exitSignal}): ${err}`);
    }
    return r;
  }

  private async stat(path: string, signal: AbortSignal): Promise<{ inode: string; size: number } | null> {
    try {
      const r = await this.exec(this.t.stat, { path }, signal);
      const m = /^(\d+) (\d+)\s*$/.exec(r.stdout);
      if (!m) throw new BaleenError('E_PARSE', `stat answered "${r.stdout.slice(0, 80)}", not "<inode> <size>".`);
      const size = Number(m[2]);
      if (!Number.isSafeInteger(size)) throw new BaleenError('E_PARSE', 'stat reported an impossible size.');
      return { inode: m[1]!, size };
    } catch (e) {
      if (e instanceof BaleenError && e.code === 'E_NOT_FOUND') return null;
      throw e;
    }
  }

  /** Exactly `count` bytes at `offset` (fewer only if the file is shorter). */
  private async read(path: string, offset: number, count: number, signal: AbortSignal): Promise<Buffer> {
    const r = await this.exec(this.t.dd, { input: `if=${path}`, skip: `skip=${offset}`, count: `count=${count}` }, signal);
    // The exec layer decodes output as UTF-8: exact bytes only when nothing needed replacing. A
    // chunk that cuts a character (or a log holding invalid UTF-8) is read again as hex.
    const text = r.stdout;
    if (!r.truncated && !text.includes('\uFFFD')) {
      const buf = Buffer.from(text, 'utf8');
      if (buf.length <= count) return buf;
    }
    const parts: Buffer[] = [];
    for (let done = 0; done < count; ) {
      const n = Math.min(OD_CHUNK, count - done);
      const h = await this.exec(this.t.od, { skip: String(offset + done), count: String(n), path }, signal);
      const hex = h.stdout.replace(/\s+/g, '');
      if (!/^[0-9a-f]*$/.test(hex) || hex.length % 2 !== 0) throw new BaleenError('E_PARSE', 'od answered something that is not hex bytes.');
      const b = Buffer.from(hex, 'hex');
      parts.push(b);
      done += b.length;
      if (b.length < n) break;
    }
    return Buffer.concat(parts);
  }

  /** Where a renamed file went: the entry in the same folder with the old inode. */
  private async findByInode(inode: string, signal: AbortSignal): Promise<string | null> {
    const r = await this.exec(this.t.find, { dir: posix.dirname(this.o.path), inode }, signal).catch((e: unknown) => {
      if (e instanceof BaleenError && (e.code === 'E_NOT_FOUND' || e.code === 'E_UNSUPPORTED')) return null;
      throw e;
    });
    const first = r?.stdout.split('\n').find((l) => PATH_ARG.pattern.test(l) && l.length <= PATH_ARG.maxLength);
    return first ?? null;
  }

  /**
   * Reads `path` from the cursor up to `size`, committing batches with their position. `complete`:
   * the file will not grow (a rotated file), so a last line without a newline is a line.
   */
  private async readRange(path: string, size: number, complete: boolean, signal: AbortSignal): Promise<number> {
    const cur = this.cursor!;
    const skipToLine = cur.align === true;
    const records: (LogEvent | UnparsedLine)[] = [];
    const reader = new LogFileReader({ event: (e) => records.push(e), unparsed: (u) => records.push(u) }, { node: this.o.nodeId });
    let offset = cur.offset;
    let splitter = skipToLine ? undefined : new LineSplitter(reader, { firstLine: cur.line, firstOffset: cur.offset });
    const chunkBytes = this.o.chunkBytes ?? 768 * 1024;
    let lines = 0;
    const commit = (bytes: number) => {
      if (!splitter) return;
      const next: RemoteCursor = { inode: cur.inode, fileId: cur.fileId, generation: cur.generation, offset: splitter.resumeOffset, line: splitter.physicalLines + 1 };
      lines += records.length;
      this.writer.write(records.splice(0), { bytes, cursor: next });
      this.cursor = next;
    };
    while (offset < size) {
      if (signal.aborted) throw new BaleenError('E_CANCELLED', 'Following the log was stopped.');
      let chunk = await this.read(path, offset, Math.min(chunkBytes, size - offset), signal);
      if (chunk.length === 0) break;
      const at = offset;
      offset += chunk.length;
      if (!splitter) {
        // Reading began inside the file: the first whole line starts after the first newline.
        const nl = chunk.indexOf(10);
        if (nl < 0) {
          this.cursor = { ...cur, offset, align: true };
          this.writer.saveCursor(this.cursor);
          continue;
        }
        chunk = chunk.subarray(nl + 1);
        splitter = new LineSplitter(reader, { firstLine: 1, firstOffset: at + nl + 1 });
      }
      splitter.push(chunk);
      commit(chunk.length);
    }
    if (complete && splitter && splitter.pendingBytes > 0) {
      splitter.end();
      const next: RemoteCursor = { ...this.cursor!, offset: size, line: splitter.physicalLines + 1 };
      lines += records.length;
      this.writer.write(records.splice(0), { cursor: next });
      this.cursor = next;
    }
    return lines;
  }

  /** One poll: rotation check, then everything new. Returns the records written. */
  protected async poll(signal: AbortSignal): Promise<{ records: number; rotated: boolean }> {
    const st = await this.stat(this.o.path, signal);
    let records = 0;
    let rotated = false;
    if (this.cursor === null) {
      if (st === null) throw new BaleenError('E_NOT_FOUND', `${this.o.path} does not exist on the host.`);
      const start = Math.max(0, st.size - this.o.initialBytes);
      const fileId = this.writer.beginFile(this.fileLabel(0));
      this.cursor = { inode: st.inode, offset: start, line: 1, fileId, generation: 0, align: start > 0 };
      this.writer.saveCursor(this.cursor);
      records = await this.readRange(this.o.path, st.size, false, signal);
      if (start > 0) {
        // Just before the first line imported: where the skipped part ends on the timeline.
        const first = this.o.store.requireSource(this.o.sourceId).info.firstTs;
        this.writer.gap((first ?? this.o.clock.now()) - 1, null, `The first ${start} bytes of ${this.o.path} were not imported (the initial import was capped at ${this.o.initialBytes} bytes).`);
      }
      return { records, rotated };
    }
    const cur = this.cursor;
    if (st === null || st.inode !== cur.inode) {
      // Renamed away: finish the old file wherever it went, then start the new one.
      const old = await this.findByInode(cur.inode, signal);
      if (old !== null) {
        const ost = await this.stat(old, signal);
        if (ost !== null && ost.inode === cur.inode) records += await this.readRange(old, ost.size, true, signal);
      } else {
        this.writer.gap(this.o.clock.now(), null, `${this.o.path} was rotated and the old file was not found by its inode; lines written after byte ${cur.offset} of it may be missing.`);
      }
      if (st === null) return { records, rotated: false };
      rotated = true;
      this.writer.endFile({ physicalLines: this.cursor!.line - 1, bytes: this.cursor!.offset });
      const generation = cur.generation + 1;
      const fileId = this.writer.beginFile(this.fileLabel(generation));
      this.cursor = { inode: st.inode, offset: 0, line: 1, fileId, generation };
      this.writer.saveCursor(this.cursor);
    } else if (st.size < cur.offset) {
      rotated = true;
      this.writer.gap(this.o.clock.now(), null, `${this.o.path} shrank from ${cur.offset} to ${st.size} bytes (truncated in place, e.g. copytruncate); lines written just before may be missing.`);
      this.writer.endFile({ physicalLines: cur.line - 1, bytes: cur.offset });
      const generation = cur.generation + 1;
      const fileId = this.writer.beginFile(this.fileLabel(generation));
      this.cursor = { inode: st.inode, offset: 0, line: 1, fileId, generation };
      this.writer.saveCursor(this.cursor);
    }
    records += await this.readRange(this.o.path, st.size, false, signal);
    return { records, rotated };
  }
}
