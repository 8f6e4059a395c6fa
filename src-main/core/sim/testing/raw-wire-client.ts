import net from 'node:net';
import type { BSON, Document } from '../../bson/bson';
import { MessageFramer, type WireMessage, decodeMessage, encodeOpMsg } from '../wire/wire-protocol';

/**
 * A bare socket client for wire-level tests: send arbitrary bytes, read decoded messages, observe the
 * connection closing. Exported for other features' tests. Uses real timers (it is a test tool).
 */
export class RawWireClient {
  private readonly framer = new MessageFramer();
  private readonly frames: Uint8Array[] = [];
  private readonly waiters: (() => void)[] = [];
  private nextId = 1;
  private closedFlag = false;
  private readonly closedPromise: Promise<void>;
  private framingError: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      try {
        this.frames.push(...this.framer.push(chunk));
      } catch (e) {
        this.framingError = e instanceof Error ? e : new Error(String(e));
      }
      this.wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closedFlag = true;
      this.wake();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawWireClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawWireClient(socket));
      });
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Resolves when the server closes (or resets) the connection. */
  closed(): Promise<void> {
    return this.closedPromise;
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  requestId(): number {
    return this.nextId++;
  }

  /** The next complete frame, raw. Rejects on timeout, framing error or close. */
  async nextFrame(timeoutMs = 2_000): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.shift();
      if (f !== undefined) return f;
      if (this.framingError) throw this.framingError;
      if (this.closedFlag) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async nextMessage(timeoutMs = 2_000, bson?: BSON.DeserializeOptions): Promise<WireMessage> {
    return decodeMessage(await this.nextFrame(timeoutMs), bson === undefined ? {} : { bson });
  }

  /** Run one OP_MSG command and return its reply body. */
  async command(body: Document, opts: { flags?: number; timeoutMs?: number; bson?: BSON.DeserializeOptions } = {}): Promise<Document> {
    const requestId = this.requestId();
    this.send(encodeOpMsg({ requestId, flags: opts.flags, body: { ...body, $db: body.$db ?? 'admin' } }));
    const m = await this.nextMessage(opts.timeoutMs, opts.bson);
    if (m.kind !== 'msg') throw new Error(`expected OP_MSG, got ${m.kind}`);
    if (m.header.responseTo !== requestId) throw new Error(`reply answers ${m.header.responseTo}, not ${requestId}`);
    return m.body;
  }

  async close(): Promise<void> {
    if (!this.closedFlag) this.socket.destroy();
    await this.closedPromise;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
