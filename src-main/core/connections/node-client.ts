import { MongoClient, type Document } from 'mongodb';
import { BaleenError } from '../../../src-shared/domain/errors';
import { classifyMongoError, networkReason } from './mongo-errors';

/**
 * One MongoClient per node (REL-M2): directConnection, polling monitor, a small pool, and every command
 * under a deadline. Connecting fails fast on errors that retrying cannot fix (refused, DNS, TLS: REL-M1)
 * instead of waiting out server selection.
 */
export interface NodeClientOptions {
  appName: string;
  /**
   * The longest any command may take. The 7.x driver ignores `timeoutMS`, so the deadline is enforced by
   * `maxTimeMS` on the server and by the socket timeout here, which drops a connection stuck on a hung node.
   */
  commandDeadlineMs?: number;
  connectTimeoutMS?: number;
  serverSelectionTimeoutMS?: number;
  heartbeatFrequencyMS?: number;
}

export interface CommandOptions {
  deadlineMs: number;
  signal?: AbortSignal;
  db?: string;
}

const FAST_FAIL = new Set(['refused', 'dns', 'tls']);

export class NodeClient {
  private closed = false;

  private constructor(
    private readonly client: MongoClient,
    /** The name used in messages: the node's canonical host:port, with the address dialled if it differs. */
    private host: string,
  ) {}

  /** Once `hello` has told us who the node is, errors name it that way. */
  relabel(label: string): void {
    this.host = label;
  }

  get label(): string {
    return this.host;
  }

  static async connect(uri: string, host: string, opts: NodeClientOptions, signal?: AbortSignal): Promise<NodeClient> {
    const client = new MongoClient(uri, {
      appName: opts.appName,
      directConnection: true,
      serverMonitoringMode: 'poll',
      heartbeatFrequencyMS: opts.heartbeatFrequencyMS ?? 10_000,
      serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 10_000,
      connectTimeoutMS: opts.connectTimeoutMS ?? 10_000,
      maxPoolSize: 2,
      minPoolSize: 0,
      maxIdleTimeMS: 60_000,
      socketTimeoutMS: (opts.commandDeadlineMs ?? 8000) + 1000,
    });
    let onFail: ((ev: { failure: Error }) => void) | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        client.connect(),
        new Promise<never>((_, reject) => {
          onFail = (ev) => {
            if (FAST_FAIL.has(networkReason(ev.failure).kind)) reject(ev.failure);
          };
          client.on('serverHeartbeatFailed', onFail);
        }),
        new Promise<never>((_, reject) => {
          onAbort = () => reject(new BaleenError('E_CANCELLED', 'Connecting was cancelled.'));
          if (signal?.aborted) onAbort();
          signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
      return new NodeClient(client, host);
    } catch (e) {
      void client.close().catch(() => undefined);
      throw e instanceof BaleenError ? e : classifyMongoError(e, host);
    } finally {
      if (onFail) client.off('serverHeartbeatFailed', onFail);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Runs an admin command; rejects with a classified BaleenError, at the latest shortly after the deadline. */
  async command(cmd: Document, opts: CommandOptions): Promise<Document> {
    if (this.closed) throw new BaleenError('E_UNREACHABLE', `Disconnected from ${this.host}.`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    try {
      return await Promise.race([
        // maxTimeMS makes the server give up; the client's socketTimeoutMS drops a socket that stays silent.
        this.client.db(opts.db ?? 'admin').command({ ...cmd, maxTimeMS: opts.deadlineMs }),
        // The deadline the caller sees, whatever the driver does (e.g. waiting for a pooled connection).
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new BaleenError('E_TIMEOUT', `${this.host} did not answer within ${opts.deadlineMs} ms.`, { host: this.host })), opts.deadlineMs + 500);
        }),
        new Promise<never>((_, reject) => {
          onAbort = () => reject(opts.signal?.reason instanceof BaleenError ? opts.signal.reason : new BaleenError('E_CANCELLED', 'Cancelled.'));
          if (opts.signal?.aborted) onAbort();
          opts.signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } catch (e) {
      throw classifyMongoError(e, this.host);
    } finally {
      clearTimeout(timer);
      if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close().catch(() => undefined);
  }
}
