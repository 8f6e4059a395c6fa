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
    /** The name used in messages: the node's canonical host:port. */
    readonly host: string,
  ) {}

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
        // timeoutMS makes the driver itself give up (and drop the socket) at the deadline.
        this.client.db(opts.db ?? 'admin').command(cmd, { timeoutMS: opts.deadlineMs }),
        // A backstop in case the driver does not honour it (e.g. stuck in connection checkout).
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new BaleenError('E_TIMEOUT', `${this.host} did not answer within ${opts.deadlineMs} ms.`, { host: this.host })), opts.deadlineMs + 500);
        }),
        new Promise<never>((_, reject) => {
          onAbort = () => reject(new BaleenError('E_CANCELLED', 'Cancelled.'));
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
