import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import type { Clock, TimerHandle } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { AuditPort } from './host-key-verifier';
import { startLocalForward, type LocalForward } from './local-forward';
import { connectChain, type ChainDeps, type HostKeyChecker, type SshChain } from './ssh-chain';
import { closedError, stateForError } from './ssh-errors';
import type { HopTiming, SshHopSpec, SshSecretsPort, TunnelState, TunnelStatus } from './ssh-types';

/**
 * One SSH path (a chain of hops) to the MongoDB nodes behind it, shared by every node of a profile.
 *
 * - Serialized: at most one connection attempt at a time; every caller waiting during an outage joins
 *   it, so one outage costs exactly one new session (REL-S3).
 * - Fresh: each attempt builds new ssh2 Clients; a chain that failed is ended, never reused (REL-S4).
 * - Reconnects on its own after a loss (first attempt at once, then 1, 2, 4, 8, 16, 30 s ±20 %), and
 *   never after a deliberate close (REL-S8). Callers arriving during a backoff wait fail fast with the
 *   last error instead of piling up.
 * - Authentication failures keep the same steps, then at most one attempt per 5 min after 3 in a row,
 *   with status `ssh-auth-failed`, not `unreachable` (REL-S5).
 * - Host-key problems and local errors (unreadable key file) wait for the user: `retry()`.
 * - Half-open peers are found by ssh2's keepalive (interval × (countMax + 1)); every call here has its
 *   own deadline meanwhile (REL-S2).
 */
export interface SshTunnelOptions {
  /** Names the tunnel in logs and audit rows (e.g. the profile id). */
  id: string;
  hops: readonly SshHopSpec[];
  hostKeys: HostKeyChecker;
  secrets: SshSecretsPort;
  clock: Clock;
  log: Logger;
  audit?: AuditPort;
  random?: () => number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  readyTimeoutMs?: number;
  /** Waits between attempts after consecutive failures. */
  backoffMs?: readonly number[];
  jitter?: number;
  /** After this many authentication failures in a row, attempts are at least `authFailureCapMs` apart. */
  authFailuresBeforeCap?: number;
  authFailureCapMs?: number;
  /** Default deadline for opening a channel to a node. */
  channelTimeoutMs?: number;
  createClient?: () => Client;
  readKeyFile?: (path: string) => Promise<Buffer>;
  /** Each hop as it authenticates, in every attempt (the connection test's per-hop steps). */
  onHop?: (t: HopTiming) => void;
}

export const DEFAULT_BACKOFF_MS: readonly number[] = [1000, 2000, 4000, 8000, 16_000, 30_000];

const WAITS_FOR_USER: ReadonlySet<TunnelState> = new Set(['host-key-unknown', 'host-key-changed', 'host-key-revoked', 'failed']);

export interface ConnectOptions {
  deadlineMs?: number;
  signal?: AbortSignal;
}

export class SshTunnel {
  private current: TunnelStatus;
  private readonly listeners = new Set<(s: TunnelStatus) => void>();
  private chain: SshChain | null = null;
  private attempt: Promise<SshChain> | null = null;
  private attemptAbort: AbortController | null = null;
  private retryTimer: TimerHandle | null = null;
  private failures = 0;
  private authFailures = 0;
  private lastError: BaleenError | null = null;
  private closed = false;
  private readonly forwards = new Set<LocalForward>();
  private readonly deps: ChainDeps;
  /** Connection attempts started (each builds fresh clients); for tests and diagnostics. */
  attemptsStarted = 0;

  constructor(private readonly o: SshTunnelOptions) {
    this.current = { state: 'idle', since: o.clock.now(), failures: 0 };
    this.deps = {
      hostKeys: o.hostKeys,
      secrets: o.secrets,
      clock: o.clock,
      log: o.log,
      keepaliveIntervalMs: o.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: o.keepaliveCountMax ?? 3,
      readyTimeoutMs: o.readyTimeoutMs ?? 20_000,
      ...(o.createClient ? { createClient: o.createClient } : {}),
      ...(o.readKeyFile ? { readKeyFile: o.readKeyFile } : {}),
      ...(o.onHop ? { onHop: o.onHop } : {}),
    };
  }

  get status(): TunnelStatus {
    return this.current;
  }

  /** Hop connect times of the live session ("SSH hop 1: 112 ms, hop 2: 95 ms"). */
  get timings(): HopTiming[] {
    return this.chain?.alive ? [...this.chain.timings] : [];
  }

  /** Status changes, in order. Returns the unsubscribe function. */
  onStatus(fn: (s: TunnelStatus) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private describe(): string {
    return this.o.hops.map((h) => `${h.username}@${h.host}:${h.port}`).join(' → ');
  }

  private setStatus(state: TunnelState, extra: Partial<Pick<TunnelStatus, 'error' | 'hops' | 'nextAttemptAt'>> = {}): void {
    this.current = { state, since: this.o.clock.now(), failures: this.failures, ...extra };
    for (const fn of [...this.listeners]) {
      try {
        fn(this.current);
      } catch (e) {
        this.o.log.error('tunnel status listener failed', { tunnel: this.o.id, error: errorMessage(e) });
      }
    }
  }

  /**
   * Connects now (a user's "connect" or "test"): waits for the attempt in flight, or starts one even
   * during a backoff wait. Resolves with the hop timings; rejects with the precise error, e.g. an unknown
   * host key with its fingerprint (`details.challenge`) — no credential was sent to that host.
   */
  async open(actor = 'system', signal?: AbortSignal): Promise<HopTiming[]> {
    if (this.closed) throw closedError(this.describe());
    if (this.chain?.alive) return [...this.chain.timings];
    const run = async () => (await this.withDeadline(this.attempt ?? this.startAttempt(), undefined, signal)).timings;
    if (!this.o.audit || this.attempt) return run();
    return this.o.audit.run({ action: 'ssh.tunnel.open', target: this.o.id, actor, details: { hops: this.o.hops.map((h) => `${h.username}@${h.host}:${h.port}`) } }, run);
  }

  /** A user's explicit retry (after trusting a host key, fixing a key file, or to skip an auth-failure wait). */
  retry(actor = 'user'): Promise<HopTiming[]> {
    this.cancelRetryTimer();
    return this.open(actor);
  }

  /** Re-check now after sleep/resume or a network change; respects auth and host-key waits. */
  recheck(): void {
    if (this.closed || this.attempt || this.chain?.alive) return;
    if (this.current.state === 'unreachable') {
      this.cancelRetryTimer();
      void this.startAttempt().catch(() => undefined);
    }
  }

  /** A Duplex to host:port through the last hop (a MongoDB node). Always settles within `deadlineMs`. */
  async connect(host: string, port: number, opts: ConnectOptions = {}): Promise<Duplex> {
    if (typeof host !== 'string' || host === '' || host.length > 255 || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new BaleenError('E_INVALID_INPUT', `Bad target ${String(host)}:${String(port)}.`);
    }
    const deadlineMs = opts.deadlineMs ?? this.o.channelTimeoutMs ?? 10_000;
    const started = this.o.clock.monotonic();
    const chain = await this.session(deadlineMs, opts.signal);
    const left = Math.max(1, deadlineMs - (this.o.clock.monotonic() - started));
    return chain.forwardOut(host, port, left, opts.signal);
  }

  /** A local 127.0.0.1 port forwarding to host:port; it survives reconnects and closes with the tunnel. */
  async forward(host: string, port: number): Promise<LocalForward> {
    if (this.closed) throw closedError(this.describe());
    const fwd = await startLocalForward(host, port, (h, p) => this.connect(h, p), this.o.log.child('forward'), () => this.forwards.delete(fwd), () => this.o.clock.now());
    this.forwards.add(fwd);
    return fwd;
  }

  /** The live session for a command (exec-allowlist.ts), under the caller's deadline. */
  async session(deadlineMs: number, signal?: AbortSignal): Promise<SshChain> {
    if (this.closed) throw closedError(this.describe());
    if (signal?.aborted) throw new BaleenError('E_CANCELLED', 'Cancelled.');
    if (this.chain?.alive) return this.chain;
    if (this.attempt) return this.withDeadline(this.attempt, deadlineMs, signal);
    if (this.current.state === 'idle') return this.withDeadline(this.startAttempt(), deadlineMs, signal);
    throw this.lastError ?? new BaleenError('E_UNREACHABLE', `The SSH tunnel ${this.describe()} is not connected.`, { sshKind: 'unreachable' });
  }

  private withDeadline<T>(p: Promise<T>, deadlineMs: number | undefined, signal: AbortSignal | undefined): Promise<T> {
    if (deadlineMs === undefined && !signal) return p;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        f();
      };
      const onAbort = () => finish(() => reject(new BaleenError('E_CANCELLED', 'Cancelled.')));
      const timer =
        deadlineMs === undefined
          ? undefined
          : this.o.clock.setTimeout(
              () => finish(() => reject(new BaleenError('E_TIMEOUT', `The SSH tunnel ${this.describe()} was not ready within ${deadlineMs} ms (still connecting).`, { sshKind: 'timeout' }))),
              deadlineMs,
            );
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      p.then(
        (v) => finish(() => resolve(v)),
        (e: unknown) => finish(() => reject(e)),
      );
    });
  }

  private cancelRetryTimer(): void {
    this.retryTimer?.cancel();
    this.retryTimer = null;
  }

  private startAttempt(): Promise<SshChain> {
    if (this.attempt) return this.attempt;
    this.cancelRetryTimer();
    const ac = new AbortController();
    this.attemptAbort = ac;
    this.attemptsStarted++;
    const p = connectChain(this.o.hops, this.deps, ac.signal).then(
      (chain) => {
        this.attempt = null;
        this.attemptAbort = null;
        if (this.closed) {
          chain.close();
          throw closedError(this.describe());
        }
        this.chain = chain;
        this.failures = 0;
        this.authFailures = 0;
        this.lastError = null;
        chain.onLost((e) => this.onLost(chain, e));
        this.o.log.info('ssh tunnel ready', { tunnel: this.o.id, hops: chain.timings.map((t) => `${t.host}:${t.port} ${t.ms} ms`) });
        this.setStatus('ready', { hops: [...chain.timings] });
        return chain;
      },
      (e: unknown) => {
        this.attempt = null;
        this.attemptAbort = null;
        if (this.closed) throw closedError(this.describe());
        const err = e instanceof BaleenError ? e : new BaleenError('E_INTERNAL', `SSH tunnel failed unexpectedly: ${errorMessage(e)}`);
        this.onFailure(err);
        throw err;
      },
    );
    this.attempt = p;
    // Nobody may be waiting (an automatic reconnect): the rejection is handled here, status carries it.
    p.catch(() => undefined);
    // Announced once the attempt is joinable, so a listener that calls connect() joins it.
    this.setStatus('connecting', this.lastError ? { error: this.lastError.toEnvelope() } : {});
    return p;
  }

  private onFailure(err: BaleenError): void {
    this.lastError = err;
    this.failures++;
    const state = stateForError(err);
    this.authFailures = state === 'ssh-auth-failed' ? this.authFailures + 1 : 0;
    this.o.log.warn('ssh tunnel attempt failed', { tunnel: this.o.id, state, reason: err.message });
    if (WAITS_FOR_USER.has(state)) {
      this.setStatus(state, { error: err.toEnvelope() });
      return;
    }
    const steps = this.o.backoffMs ?? DEFAULT_BACKOFF_MS;
    let delay = steps[Math.min(this.failures - 1, steps.length - 1)]!;
    const jitter = this.o.jitter ?? 0.2;
    delay = Math.round(delay * (1 + jitter * (2 * (this.o.random ?? Math.random)() - 1)));
    if (state === 'ssh-auth-failed' && this.authFailures >= (this.o.authFailuresBeforeCap ?? 3)) delay = Math.max(delay, this.o.authFailureCapMs ?? 300_000);
    this.retryTimer = this.o.clock.setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed && !this.attempt && !this.chain?.alive) void this.startAttempt().catch(() => undefined);
    }, delay);
    this.setStatus(state, { error: err.toEnvelope(), nextAttemptAt: this.o.clock.now() + delay });
  }

  private onLost(chain: SshChain, e: BaleenError): void {
    if (chain !== this.chain) return;
    this.chain = null;
    if (this.closed) return;
    this.lastError = e;
    this.setStatus('unreachable', { error: e.toEnvelope() });
    // The first attempt after a loss goes at once: most losses (sleep, a reset) are already over.
    void this.startAttempt().catch(() => undefined);
  }

  /** A deliberate close: no reconnect ever follows (REL-S8); local ports are released (SEC-S7). */
  async close(actor = 'system'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelRetryTimer();
    this.attemptAbort?.abort();
    const chain = this.chain;
    this.chain = null;
    chain?.close();
    await Promise.all([...this.forwards].map((f) => f.close()));
    this.forwards.clear();
    this.setStatus('closed');
    // Recorded after the fact: closing only takes effects away, so an audit failure must not block it.
    try {
      this.o.audit?.record({ action: 'ssh.tunnel.close', target: this.o.id, actor });
    } catch (e) {
      this.o.log.warn('could not audit a tunnel close', { tunnel: this.o.id, error: errorMessage(e) });
    }
  }
}
