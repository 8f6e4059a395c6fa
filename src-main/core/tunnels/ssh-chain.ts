import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, Client, ClientChannel, ConnectConfig, NextAuthHandler, ParsedKey } from 'ssh2';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import type { Clock, TimerHandle } from '../ports/clock';
import type { Logger } from '../ports/logger';
import { hostKeyFromBlob } from './host-key';
import type { HostKeyDecision, HostKeyTarget } from './host-key-verifier';
import { loadPrivateKey } from './private-key.loader';
import { channelOpenError, hopName, hopNetworkError } from './ssh-errors';
import { DEFAULT_AUTH_METHODS, type HopRef, type HopTiming, type SshAuthMethod, type SshHopSpec, type SshSecretsPort } from './ssh-types';

/**
 * One established SSH session through a chain of hops: hop 1 over TCP, hop N over a `forwardOut`
 * channel of hop N−1 used as the next client's `sock` (SEC-S4). Each hop's key is checked by that hop's
 * own host and port before anything is sent to it; keys and passphrases are prepared before any network
 * traffic (SEC-S5). A chain is never reused after it fails: the tunnel builds a fresh one (REL-S4).
 */
export interface HostKeyChecker {
  check(t: HostKeyTarget, key: { type: string; blob: Buffer }): Promise<HostKeyDecision>;
  preferredAlgorithms(t: HostKeyTarget): Promise<string[]>;
}

export interface ChainDeps {
  hostKeys: HostKeyChecker;
  secrets: SshSecretsPort;
  clock: Clock;
  log: Logger;
  /** A fresh ssh2 Client per hop per attempt; injectable so tests can count and break clients. */
  createClient?: () => Client;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** TCP + handshake budget per hop unless the hop sets its own. */
  readyTimeoutMs: number;
  readKeyFile?: (path: string) => Promise<Buffer>;
  /** Each hop as it authenticates (the connection test shows hop 1..n with their times as they come). */
  onHop?: (t: HopTiming) => void;
}

interface PreparedHop {
  ref: HopRef;
  spec: SshHopSpec;
  keys: { label: string; key: ParsedKey }[];
  agent: string | null;
  methods: readonly SshAuthMethod[];
  hostKeyTarget: HostKeyTarget;
}

export const hopRefOf = (spec: SshHopSpec, index: number): HopRef => ({
  hop: index + 1,
  host: spec.host,
  port: spec.port,
  username: spec.username,
  label: spec.label ?? spec.host,
});

function validateHop(spec: SshHopSpec, i: number): void {
  const bad = (why: string) => new BaleenError('E_INVALID_INPUT', `SSH hop ${i + 1}: ${why}.`, { hop: i + 1 });
  if (typeof spec.host !== 'string' || spec.host === '' || spec.host.length > 255 || /[\s/@]/.test(spec.host)) throw bad('bad host name');
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) throw bad('port must be 1–65535');
  if (typeof spec.username !== 'string' || spec.username === '' || spec.username.length > 256 || /[\s:]/.test(spec.username)) throw bad('bad user name');
}

/** Reads and decrypts every key of every hop: a bad passphrase fails here, before any socket opens. */
export async function prepareHops(hops: readonly SshHopSpec[], deps: Pick<ChainDeps, 'secrets' | 'readKeyFile'>, signal: AbortSignal): Promise<PreparedHop[]> {
  if (hops.length === 0) throw new BaleenError('E_INVALID_INPUT', 'An SSH tunnel needs at least one hop.');
  if (hops.length > 10) throw new BaleenError('E_INVALID_INPUT', 'An SSH tunnel has at most 10 hops.');
  const readKey = deps.readKeyFile ?? ((p: string) => readFile(p));
  const out: PreparedHop[] = [];
  for (const [i, spec] of hops.entries()) {
    validateHop(spec, i);
    const ref = hopRefOf(spec, i);
    const methods = spec.auth.methods ?? DEFAULT_AUTH_METHODS;
    const keys: PreparedHop['keys'] = [];
    if (methods.includes('publickey')) {
      for (const { path, required } of spec.auth.identityFiles ?? []) {
        let data: Buffer;
        try {
          data = await readKey(path);
        } catch (e) {
          if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw new BaleenError('E_INVALID_INPUT', `The private key ${path} for ${hopName(ref, hops.length)} cannot be read (${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}).`, {
            sshKind: 'key-invalid',
            hop: ref.hop,
            key: path,
          });
        }
        try {
          keys.push({ label: path, key: await loadPrivateKey(data, { label: path, passphrase: () => deps.secrets.passphrase({ ...ref, key: path }, signal) }) });
        } catch (e) {
          // A default identity (~/.ssh/id_*) the user has no passphrase for is skipped, as ssh does.
          if (!required && e instanceof BaleenError && e.details?.sshKind === 'passphrase-missing') continue;
          throw withHop(e, ref);
        }
      }
      for (const k of spec.auth.privateKeys ?? []) {
        try {
          keys.push({ label: k.label, key: await loadPrivateKey(k.data, { label: k.label, passphrase: () => deps.secrets.passphrase({ ...ref, key: k.label }, signal) }) });
        } catch (e) {
          throw withHop(e, ref);
        }
      }
    }
    if (signal.aborted) throw new BaleenError('E_CANCELLED', 'Connecting was cancelled.');
    out.push({
      ref,
      spec,
      keys,
      agent: methods.includes('agent') ? (spec.auth.agent ?? null) : null,
      methods,
      hostKeyTarget: spec.hostKeyAlias ? { host: spec.hostKeyAlias, port: 22 } : { host: spec.host, port: spec.port },
    });
  }
  return out;
}

function withHop(e: unknown, ref: HopRef): unknown {
  return e instanceof BaleenError ? new BaleenError(e.code, e.message, { ...e.details, hop: ref.hop }, { cause: e.cause }) : e;
}

function hostKeyError(d: Exclude<HostKeyDecision, { verdict: 'trusted' }>, ref: HopRef, chainLength: number): BaleenError {
  const name = hopName(ref, chainLength);
  const base = { hop: ref.hop, host: ref.host, port: ref.port, challenge: d.challenge };
  if (d.verdict === 'unknown') {
    return new BaleenError(
      'E_AUTH',
      `The host key of ${name} is not known: ${d.challenge.keyType} ${d.challenge.fingerprint}. Nothing was sent to it. Compare the fingerprint with the server's, then trust it to connect.`,
      { sshKind: 'host-key-unknown', ...base },
    );
  }
  if (d.verdict === 'revoked') {
    return new BaleenError('E_AUTH', `The host key ${d.challenge.fingerprint} of ${name} is revoked (${d.source}); Baleen refuses to connect.`, { sshKind: 'host-key-revoked', ...base, source: d.source });
  }
  const old = d.previous[0]!;
  return new BaleenError(
    'E_AUTH',
    `The host key of ${name} has CHANGED: expected ${old.keyType} ${old.fingerprint} (${old.source}), got ${d.challenge.keyType} ${d.challenge.fingerprint}. ` +
      'Someone may be intercepting the connection; nothing was sent to the server. If the change is expected, replace the key explicitly.',
    { sshKind: 'host-key-changed', ...base, previous: d.previous },
  );
}

/** A deadline that stops counting while the user is being asked something. */
class PausableDeadline {
  private handle: TimerHandle | undefined;
  private remaining: number;
  private startedAt = 0;
  private armedAt = 0;
  private pausedMs = 0;
  private pausedAt = 0;
  private depth = 0;

  constructor(
    private readonly clock: Clock,
    ms: number,
    private readonly onExpire: () => void,
  ) {
    this.remaining = ms;
  }
  start(): void {
    this.startedAt = this.clock.monotonic();
    this.arm();
  }
  private arm() {
    this.armedAt = this.clock.monotonic();
    if (this.remaining > 0) this.handle = this.clock.setTimeout(this.onExpire, this.remaining);
  }
  pause(): void {
    if (this.depth++ > 0) return;
    this.pausedAt = this.clock.monotonic();
    this.remaining = Math.max(1, this.remaining - (this.pausedAt - this.armedAt));
    this.handle?.cancel();
    this.handle = undefined;
  }
  resume(): void {
    if (--this.depth > 0) return;
    this.pausedMs += this.clock.monotonic() - this.pausedAt;
    this.arm();
  }
  cancel(): void {
    this.handle?.cancel();
    this.handle = undefined;
    this.depth = 1_000_000; // a late resume() must not re-arm
  }
  /** Elapsed time not spent waiting for the user. */
  elapsed(): number {
    return this.clock.monotonic() - this.startedAt - this.pausedMs;
  }
}

function authFailed(ref: HopRef, chainLength: number, tried: string[], serverMethods: readonly string[] | null): BaleenError {
  const triedText = tried.length > 0 ? tried.join(', ') : 'nothing (no key, agent, password or prompt answer was available)';
  const offered = serverMethods && serverMethods.length > 0 ? `; the server accepts: ${serverMethods.join(', ')}` : '';
  return new BaleenError('E_AUTH', `SSH authentication to ${hopName(ref, chainLength)} failed (tried: ${triedText}${offered}).`, {
    sshKind: 'auth-failed',
    hop: ref.hop,
    host: ref.host,
    port: ref.port,
    tried,
    serverMethods: serverMethods ?? [],
  });
}

interface AuthStep {
  method: SshAuthMethod;
  describe: string;
  make: (signal: AbortSignal) => Promise<AnyAuthMethod | null>;
}

/** Connects one hop; resolves once authenticated. Everything about this client is torn down on failure. */
async function connectHop(p: PreparedHop, chainLength: number, sock: Duplex | undefined, deps: ChainDeps, signal: AbortSignal): Promise<{ client: Client; ms: number }> {
  const { ref, spec } = p;
  const readyTimeoutMs = spec.readyTimeoutMs ?? deps.readyTimeoutMs;
  // Fail closed before any traffic if known_hosts cannot be read.
  const algorithms = await deps.hostKeys.preferredAlgorithms(p.hostKeyTarget);
  const client = deps.createClient ? deps.createClient() : new ssh2.Client();
  return new Promise((resolve, reject) => {
    let settled = false;
    let rejection: BaleenError | undefined;
    let serverMethods: AuthenticationType[] | null = null;
    const tried: string[] = [];
    const authAbort = new AbortController();
    const deadline = new PausableDeadline(deps.clock, readyTimeoutMs, () => fail(hopNetworkError(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), ref, chainLength, readyTimeoutMs)));
    const waitForUser = async <T>(f: () => Promise<T>): Promise<T> => {
      deadline.pause();
      try {
        return await f();
      } finally {
        deadline.resume();
      }
    };
    const cleanup = () => {
      deadline.cancel();
      signal.removeEventListener('abort', onAbort);
      client.off('ready', onReady);
      client.off('close', onClose);
      client.off('end', onClose);
    };
    const fail = (e: BaleenError) => {
      if (settled) return;
      settled = true;
      cleanup();
      authAbort.abort();
      client.end();
      client.destroy();
      reject(e);
    };
    const onAbort = () => fail(new BaleenError('E_CANCELLED', 'Connecting was cancelled.'));
    const onReady = () => {
      if (settled) return;
      settled = true;
      const ms = Math.round(deadline.elapsed());
      cleanup();
      resolve({ client, ms });
    };
    const onClose = () => fail(rejection ?? hopNetworkError(new Error('Connection lost before handshake'), ref, chainLength, readyTimeoutMs));
    // Permanent: ssh2 emits 'error' after we are done too, and an unhandled one would crash the process.
    client.on('error', (err: Error & { level?: string }) => {
      if (settled) return;
      if (rejection) return fail(rejection);
      if (err.level === 'client-authentication') {
        if (/All configured authentication methods failed/.test(err.message)) return fail(authFailed(ref, chainLength, tried, serverMethods));
        return; // one method failed to run (e.g. a key the server cannot verify); the handler moves on
      }
      if (err.level === 'agent') {
        tried.push(`agent (${err.message})`);
        return;
      }
      fail(hopNetworkError(err, ref, chainLength, readyTimeoutMs));
    });
    client.on('ready', onReady);
    client.on('close', onClose);
    client.on('end', onClose);
    signal.addEventListener('abort', onAbort, { once: true });

    const steps: AuthStep[] = [];
    for (const m of p.methods) {
      if (m === 'publickey') {
        for (const k of p.keys) steps.push({ method: m, describe: `publickey ${k.label}`, make: async () => ({ type: 'publickey', username: spec.username, key: k.key }) });
      } else if (m === 'agent' && p.agent) {
        const agent = p.agent;
        steps.push({ method: m, describe: 'agent', make: async () => ({ type: 'agent', username: spec.username, agent }) });
      } else if (m === 'password') {
        steps.push({
          method: m,
          describe: 'password',
          make: async (s) => {
            const password = await waitForUser(() => deps.secrets.password(ref, s));
            return password === undefined || password === '' ? null : { type: 'password', username: spec.username, password };
          },
        });
      } else if (m === 'keyboard-interactive' && deps.secrets.keyboardInteractive) {
        const ask = deps.secrets.keyboardInteractive.bind(deps.secrets);
        steps.push({
          method: m,
          describe: 'keyboard-interactive',
          make: async () => ({
            type: 'keyboard-interactive',
            username: spec.username,
            prompt: (name, instructions, _lang, prompts, finish) => {
              if (prompts.length === 0) return finish([]);
              void waitForUser(() => ask({ ...ref, name, instructions, prompts: prompts.map((q) => ({ prompt: q.prompt, echo: q.echo === true })) }, authAbort.signal))
                .catch(() => undefined)
                .then((answers) => finish(Array.isArray(answers) ? answers.map(String) : []));
            },
          }),
        });
      }
    }
    let first = true;
    const serverAllows = (m: SshAuthMethod) => serverMethods === null || serverMethods.includes(m === 'agent' ? 'publickey' : m);
    const authHandler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler) => {
      if (methodsLeft) serverMethods = methodsLeft;
      if (first) {
        // `none` first, as ssh does: it costs nothing and tells us which methods the server accepts.
        first = false;
        next({ type: 'none', username: spec.username });
        return;
      }
      void (async () => {
        while (steps.length > 0) {
          const step = steps.shift()!;
          if (!serverAllows(step.method)) continue;
          const method = await step.make(authAbort.signal).catch(() => null);
          if (settled) return;
          if (method) {
            tried.push(step.describe);
            return next(method);
          }
        }
        (next as unknown as (m: false) => void)(false);
      })();
    };

    const target: HostKeyTarget = p.hostKeyTarget;
    const config: ConnectConfig = {
      username: spec.username,
      readyTimeout: 0,
      keepaliveInterval: deps.keepaliveIntervalMs,
      keepaliveCountMax: deps.keepaliveCountMax,
      agentForward: false,
      algorithms: { serverHostKey: algorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
      authHandler,
      hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
        const key = hostKeyFromBlob(blob);
        if (!key) {
          rejection = hopNetworkError(new Error('the server sent an unreadable host key'), ref, chainLength, readyTimeoutMs);
          return verify(false);
        }
        deps.hostKeys.check(target, key).then(
          (d) => {
            if (d.verdict === 'trusted') return verify(true);
            rejection = hostKeyError(d, ref, chainLength);
            verify(false);
          },
          (e: unknown) => {
            rejection = e instanceof BaleenError ? e : new BaleenError('E_INTERNAL', `Checking the host key of ${hopName(ref, chainLength)} failed: ${errorMessage(e)}`);
            verify(false);
          },
        );
      },
      ...(sock ? { sock: sock as ConnectConfig['sock'] } : { host: spec.host, port: spec.port }),
    };
    if (signal.aborted) return onAbort();
    deadline.start();
    try {
      client.connect(config);
    } catch (e) {
      fail(new BaleenError('E_INVALID_INPUT', `Cannot start SSH to ${hopName(ref, chainLength)}: ${errorMessage(e)}`, { hop: ref.hop }));
    }
  });
}

/** Opens a direct-tcpip channel on `client`; late channels (after the deadline) are closed, not leaked. */
export function openChannel(client: Client, host: string, port: number, deadlineMs: number, clock: Clock, signal: AbortSignal | undefined, onFail: (e: unknown) => BaleenError): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (e: BaleenError | null, ch?: ClientChannel) => {
      if (done) {
        if (ch) ch.destroy();
        return;
      }
      done = true;
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      if (e) {
        if (ch) ch.destroy();
        reject(e);
      } else resolve(ch!);
    };
    const onAbort = () => finish(new BaleenError('E_CANCELLED', 'Cancelled.'));
    const timer = clock.setTimeout(() => finish(new BaleenError('E_TIMEOUT', `Opening an SSH channel to ${host}:${port} took longer than ${deadlineMs} ms.`, { sshKind: 'timeout', target: `${host}:${port}` })), deadlineMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) return onAbort();
    try {
      client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
        if (err) return finish(onFail(err));
        // A channel that errors after we hand it over must not crash the process; its owner sees 'close'.
        ch.on('error', () => undefined);
        finish(null, ch);
      });
    } catch (e) {
      finish(onFail(e));
    }
  });
}

export class SshChain {
  private lostHandlers: ((e: BaleenError) => void)[] = [];
  private lostError: BaleenError | undefined;
  private closed = false;
  private readonly clients: Client[] = [];
  private readonly refs: HopRef[] = [];
  readonly timings: HopTiming[] = [];

  constructor(
    private readonly chainLength: number,
    private readonly deps: ChainDeps,
  ) {}

  /** Hops join as they authenticate, so a hop lost while later ones connect is noticed too. */
  add(client: Client, ref: HopRef, timing: HopTiming): void {
    this.clients.push(client);
    this.refs.push(ref);
    this.timings.push(timing);
    const lost = (err?: Error & { level?: string }) =>
      this.markLost(hopNetworkError(err ?? new Error('Connection lost: the server closed it'), ref, this.chainLength, this.deps.readyTimeoutMs));
    client.on('error', (err: Error & { level?: string }) => lost(err));
    client.on('close', () => lost());
    // A hop carried by a channel sees only EOF when the host behind the jump host dies: ssh2 then
    // emits 'end' (not 'close') and stops its keepalive, so 'end' is the loss.
    client.on('end', () => lost());
  }

  get alive(): boolean {
    return !this.closed && this.lostError === undefined;
  }

  get lostReason(): BaleenError | undefined {
    return this.lostError;
  }

  /** Called once, when any hop goes away (not after a deliberate close). */
  onLost(fn: (e: BaleenError) => void): void {
    if (this.lostError) fn(this.lostError);
    else this.lostHandlers.push(fn);
  }

  private markLost(e: BaleenError): void {
    if (this.closed || this.lostError) return;
    this.lostError = e;
    this.deps.log.info('ssh session lost', { reason: e.message });
    // A dead hop takes the whole chain with it: every client is ended, none is reused (REL-S4).
    this.teardown();
    for (const fn of this.lostHandlers.splice(0)) fn(e);
  }

  lastClient(): Client {
    return this.clients[this.clients.length - 1]!;
  }

  /** A TCP channel from the last hop to host:port (a MongoDB node). */
  forwardOut(host: string, port: number, deadlineMs: number, signal?: AbortSignal): Promise<ClientChannel> {
    if (!this.alive) return Promise.reject(this.lostError ?? new BaleenError('E_UNREACHABLE', 'The SSH session is closed.', { sshKind: 'closed' }));
    const last = this.clients.length - 1;
    // A channel refused because the session just died is the session's failure, not the node's.
    return openChannel(this.clients[last]!, host, port, deadlineMs, this.deps.clock, signal, (e) => this.lostError ?? channelOpenError(e, this.refs[last]!, this.chainLength, host, port, 'the MongoDB node'));
  }

  /** Runs a command string on the last hop. Callers build the string from an allowlist only (exec-allowlist.ts). */
  execRaw(command: string): Promise<ClientChannel> {
    if (!this.alive) return Promise.reject(this.lostError ?? new BaleenError('E_UNREACHABLE', 'The SSH session is closed.', { sshKind: 'closed' }));
    const client = this.lastClient();
    return new Promise((resolve, reject) => {
      try {
        client.exec(command, (err, ch) => {
          if (err) return reject(new BaleenError('E_UNREACHABLE', `The SSH host refused to run a command: ${err.message}`, { sshKind: 'channel-open-failed' }));
          ch.on('error', () => undefined);
          resolve(ch);
        });
      } catch (e) {
        reject(new BaleenError('E_UNREACHABLE', `The SSH host refused to run a command: ${errorMessage(e)}`, { sshKind: 'channel-open-failed' }));
      }
    });
  }

  private teardown(): void {
    for (const c of [...this.clients].reverse()) {
      c.end();
      // end() sends a polite disconnect; a peer that never answers is cut off shortly after.
      this.deps.clock.setTimeout(() => c.destroy(), 1000);
    }
  }

  /** A deliberate close: no 'lost' notification follows. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lostHandlers = [];
    this.teardown();
  }
}

/** Connects every hop in order; on any failure everything opened so far is closed. */
export async function connectChain(hops: readonly SshHopSpec[], deps: ChainDeps, signal: AbortSignal): Promise<SshChain> {
  const prepared = await prepareHops(hops, deps, signal);
  const chain = new SshChain(prepared.length, deps);
  try {
    for (const [i, p] of prepared.entries()) {
      let sock: Duplex | undefined;
      let channelMs = 0;
      if (i > 0) {
        const prev = prepared[i - 1]!;
        const started = deps.clock.monotonic();
        sock = await openChannel(chain.lastClient(), p.spec.host, p.spec.port, p.spec.readyTimeoutMs ?? deps.readyTimeoutMs, deps.clock, signal, (e) =>
          channelOpenError(e, prev.ref, prepared.length, p.spec.host, p.spec.port, `hop ${i + 1}`),
        ).catch((e: unknown) => {
          // The carrier died while we asked it for a channel: that is the carrier's failure.
          throw chain.lostReason ?? e;
        });
        channelMs = deps.clock.monotonic() - started;
      }
      const { client, ms } = await connectHop(p, prepared.length, sock, deps, signal).catch((e: unknown) => {
        sock?.destroy();
        throw chain.lostReason ?? e;
      });
      const timing = { hop: p.ref.hop, host: p.spec.host, port: p.spec.port, ms: Math.round(ms + channelMs) };
      chain.add(client, p.ref, timing);
      if (!chain.alive) throw chain.lostReason!;
      deps.onHop?.(timing);
    }
  } catch (e) {
    chain.close();
    throw e;
  }
  return chain;
}
