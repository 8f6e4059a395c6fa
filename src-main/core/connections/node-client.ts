import { MongoClient, type Document, type MongoClientOptions } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';
import { BaleenError } from '../../../src-shared/domain/errors';
import { directDialer, joinHostPort, type DialTarget, type Dialer } from './dialer';
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

/** Secrets handed to the driver as options, never written into a URI (so no error text can carry them). */
export interface NodeSecrets {
  password?: string;
  tlsKeyPassword?: string;
  awsSessionToken?: string;
  proxyPassword?: string;
}

/** Which node to reach and how: the member's name, the safe URI its options come from, the dialer. */
export interface NodeTarget {
  /** A `mongodb://` URI without secrets; its hosts are replaced by the dialled address. */
  baseUri: string;
  /** The member's name (identity), passed to the dialer. */
  hostPort: string;
  /** The name used in messages (defaults to hostPort). */
  label?: string;
  secrets?: NodeSecrets;
  dial?: Dialer;
}

export type ReplyObserver = (cmd: Document, reply: Document) => void;

export interface CommandOptions {
  deadlineMs: number;
  signal?: AbortSignal;
  db?: string;
  /**
   * A lean reply for a large document polled every second (serverStatus): embedded documents stay as
   * their BSON bytes (read them with core/bson/lean-reply.ts) and 64-bit integers come back as bigint
   * (the driver's default builds a Long per field, and more Longs to range-check it).
   */
  lean?: boolean;
}

const FAST_FAIL = new Set(['refused', 'dns', 'tls']);

/** A URI for one address only, with directConnection on and no set name (REL-M2). */
export function directUri(baseUri: string, address: string): string {
  const cs = new ConnectionString(baseUri);
  cs.hosts = [address];
  cs.password = '';
  cs.searchParams.delete('replicaSet');
  cs.searchParams.delete('tlsCertificateKeyFilePassword');
  cs.searchParams.delete('proxyPassword');
  cs.searchParams.set('directConnection', 'true');
  return cs.toString();
}

function secretOptions(baseUri: string, secrets: NodeSecrets | undefined): MongoClientOptions {
  const out: MongoClientOptions = {};
  if (!secrets) return out;
  const cs = new ConnectionString(baseUri);
  if (secrets.password !== undefined && cs.username) out.auth = { username: decodeURIComponent(cs.username), password: secrets.password };
  if (secrets.tlsKeyPassword !== undefined) out.tlsCertificateKeyFilePassword = secrets.tlsKeyPassword;
  if (secrets.awsSessionToken !== undefined) out.authMechanismProperties = { AWS_SESSION_TOKEN: secrets.awsSessionToken };
  if (secrets.proxyPassword !== undefined) out.proxyPassword = secrets.proxyPassword;
  return out;
}

/** A network failure on a socket the dialer can explain (an SSH tunnel) is reported as the dialer's reason. */
function viaDialler(e: BaleenError, dialled: DialTarget): BaleenError {
  if (e.code !== 'E_UNREACHABLE' && e.code !== 'E_TIMEOUT') return e;
  return dialled.failure?.() ?? e;
}

export class NodeClient {
  private closed = false;
  private readonly observers = new Set<ReplyObserver>();

  private constructor(
    private readonly client: MongoClient,
    /** The name used in messages: the node's canonical host:port, with the address dialled if it differs. */
    private host: string,
    /** Where the socket actually goes (a tunnel's local port, a mapped address). */
    readonly dialled: DialTarget,
  ) {}

  /** Watch every successful reply (topology changes show in serverStatus.repl). */
  observe(fn: ReplyObserver): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  /** How the driver client was set up (REL-M2 checks: one host, directConnection). */
  describe(): { directConnection: boolean; hosts: string[]; appName: string | undefined } {
    const o = this.client.options;
    return { directConnection: o.directConnection, hosts: o.hosts.map((h) => h.toString()), appName: o.appName };
  }

  /** Once `hello` has told us who the node is, errors name it that way. */
  relabel(label: string): void {
    this.host = label;
  }

  get label(): string {
    return this.host;
  }

  static async connect(target: NodeTarget, opts: NodeClientOptions, signal?: AbortSignal): Promise<NodeClient> {
    const host = target.label ?? target.hostPort;
    let dialled: DialTarget;
    try {
      dialled = await (target.dial ?? directDialer)(target.hostPort, signal);
    } catch (e) {
      throw e instanceof BaleenError ? e : classifyMongoError(e, host);
    }
    let client: MongoClient;
    try {
      client = new MongoClient(directUri(target.baseUri, joinHostPort(dialled.host, dialled.port)), {
        ...secretOptions(target.baseUri, target.secrets),
        ...(dialled.servername ? { servername: dialled.servername } : {}),
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
    } catch (e) {
      throw new BaleenError('E_INVALID_INPUT', `The connection options for ${host} are not valid: ${e instanceof Error ? e.message : String(e)}`, { host });
    }
    let onFail: ((ev: { failure: Error }) => void) | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        client.connect(),
        new Promise<never>((_, reject) => {
          onFail = (ev) => {
            // A socket the SSH tunnel dropped fails as fast as a refused one: retrying cannot help now.
            const why = dialled.failure?.();
            if (why) reject(why);
            else if (FAST_FAIL.has(networkReason(ev.failure).kind)) reject(ev.failure);
          };
          client.on('serverHeartbeatFailed', onFail);
        }),
        new Promise<never>((_, reject) => {
          onAbort = () => reject(new BaleenError('E_CANCELLED', 'Connecting was cancelled.'));
          if (signal?.aborted) onAbort();
          signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
      return new NodeClient(client, host, dialled);
    } catch (e) {
      void client.close().catch(() => undefined);
      throw viaDialler(e instanceof BaleenError ? e : classifyMongoError(e, host), dialled);
    } finally {
      if (onFail) client.off('serverHeartbeatFailed', onFail);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Runs an admin command; rejects with a classified BaleenError at the deadline at the latest. */
  async command(cmd: Document, opts: CommandOptions): Promise<Document> {
    if (this.closed) throw new BaleenError('E_UNREACHABLE', `Disconnected from ${this.host}.`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    // The server gives up a little before the deadline, so its own error (MaxTimeMSExpired) usually
    // arrives first; the caller never waits past the deadline (REL-M3: down within P + D).
    const serverMs = Math.max(1, opts.deadlineMs - Math.min(250, Math.floor(opts.deadlineMs / 4)));
    try {
      const reply = await Promise.race([
        // maxTimeMS makes the server give up; the client's socketTimeoutMS drops a socket that stays silent.
        this.client.db(opts.db ?? 'admin').command({ ...cmd, maxTimeMS: serverMs }, opts.lean ? { raw: true, useBigInt64: true } : {}),
        // The deadline the caller sees, whatever the driver does (e.g. waiting in server selection after
        // the monitor saw the node drop).
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new BaleenError('E_TIMEOUT', `${this.host} did not answer within ${opts.deadlineMs} ms.`, { host: this.host })), opts.deadlineMs);
        }),
        new Promise<never>((_, reject) => {
          onAbort = () => reject(opts.signal?.reason instanceof BaleenError ? opts.signal.reason : new BaleenError('E_CANCELLED', 'Cancelled.'));
          if (opts.signal?.aborted) onAbort();
          opts.signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
      for (const o of this.observers) {
        try {
          o(cmd, reply);
        } catch {
          // An observer's failure must not fail the command.
        }
      }
      return reply;
    } catch (e) {
      throw viaDialler(classifyMongoError(e, this.host), this.dialled);
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
