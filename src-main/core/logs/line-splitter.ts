import { MAX_LINE_BYTES } from './log-event';

/** Receives the lines of one file, in order. `bytes` excludes the newline. */
export interface LineSink {
  line(text: string, line: number, offset: number, bytes: number): void;
  /** A line over the limit: skipped, counted as unparsed; `preview` is its start. */
  oversized(line: number, offset: number, bytes: number, preview: string): void;
}

const PREVIEW_BYTES = 4096;

/**
 * Splits byte chunks into lines without ever holding more than one line (≤ maxLineBytes) plus
 * the current chunk: memory stays flat whatever the file size. A line longer than the limit is
 * skipped as it streams past. Whatever follows the last newline is held back (`pendingBytes`):
 * a file still being written continues there on the next read; `end()` flushes it when the file
 * is known to be complete.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** Inside an oversized line: its bytes stream past uncounted except for length. */
  private skipping = false;
  private preview = '';
  private lineNo: number;
  private offset: number;
  private readonly maxLineBytes: number;

  constructor(
    private readonly sink: LineSink,
    opts: { maxLineBytes?: number; firstLine?: number; firstOffset?: number } = {},
  ) {
    this.maxLineBytes = opts.maxLineBytes ?? MAX_LINE_BYTES;
    this.lineNo = opts.firstLine ?? 1;
    this.offset = opts.firstOffset ?? 0;
  }

  /** Lines seen so far (blank ones included): the number the next line gets, minus one. */
  get physicalLines(): number {
    return this.lineNo - 1;
  }

  /** Bytes after the last newline, not yet handed to the sink. */
  get pendingBytes(): number {
    return this.carryBytes;
  }

  /** Offset where the held-back partial line starts: where a follower resumes reading. */
  get resumeOffset(): number {
    return this.offset;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) {
        this.hold(chunk, pos, n);
        return;
      }
      if (this.carryBytes === 0 && !this.skipping) this.emit(chunk, pos, nl);
      else this.finishCarried(chunk, pos, nl);
      pos = nl + 1;
    }
  }

  /** The input is complete: a last line without a newline is a line. */
  end(): void {
    if (this.carryBytes === 0 && !this.skipping) return;
    this.finishCarried(Buffer.alloc(0), 0, 0);
    // No newline followed: the offset must not count one.
    this.offset--;
  }

  private hold(chunk: Buffer, from: number, to: number): void {
    const len = to - from;
    if (this.skipping) {
      this.carryBytes += len;
      return;
    }
    if (this.carryBytes + len > this.maxLineBytes) {
      this.startSkipping(chunk.subarray(from, to));
      this.carryBytes += len;
      return;
    }
    // Copied: the caller may reuse its read buffer.
    this.carry.push(Buffer.from(chunk.subarray(from, to)));
    this.carryBytes += len;
  }

  private startSkipping(next: Buffer): void {
    const head = Buffer.concat([...this.carry, next.subarray(0, PREVIEW_BYTES)]);
    this.preview = head.toString('utf8', 0, Math.min(head.length, PREVIEW_BYTES));
    this.carry = [];
    this.skipping = true;
  }

  private finishCarried(chunk: Buffer, from: number, to: number): void {
    const total = this.carryBytes + (to - from);
    if (this.skipping || total > this.maxLineBytes) {
      if (!this.skipping) this.startSkipping(chunk.subarray(from, to));
      this.sink.oversized(this.lineNo, this.offset, total, this.preview);
      this.lineNo++;
      this.offset += total + 1;
    } else {
      this.carry.push(chunk.subarray(from, to));
      const joined = Buffer.concat(this.carry, total);
      this.carry = [];
      this.carryBytes = 0;
      this.emit(joined, 0, total);
      return;
    }
    this.carry = [];
    this.carryBytes = 0;
    this.skipping = false;
    this.preview = '';
  }

  private emit(buf: Buffer, start: number, end: number): void {
    const bytes = end - start;
    const lineNo = this.lineNo++;
    const offset = this.offset;
    this.offset += bytes + 1;
    if (bytes > this.maxLineBytes) {
      this.sink.oversized(lineNo, offset, bytes, buf.toString('utf8', start, start + PREVIEW_BYTES));
      return;
    }
    let e = end;
    if (e > start && buf[e - 1] === 13) e--;
    if (e === start) return;
    let text = buf.toString('utf8', start, e);
    if (offset === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const c = text.charCodeAt(0);
    if ((c === 32 || c === 9 || c === 13 || c === 0xfeff) && text.trim() === '') return;
    if (text.length === 0) return;
    this.sink.line(text, lineNo, offset, bytes);
  }
}
