import { isIP } from 'node:net';
import { HostKeyChallenge, sshSecretKind, type HostKeyProblem, type NodeStatus, type SecretKind, type SshHop, type SshProblem, type TunnelSummary } from '../../../src-shared/contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import type { Clock } from '../ports/clock';
import type { SecretStore } from '../ports/secret-store';
import { sshKindOf, type HopRef, type KeyboardInteractivePrompt, type LocalForward, type SshHopSpec, type SshSecretsPort, type SshTunnel, type TunnelLease, type TunnelStatus } from '../tunnels';
import { splitHostPort, type Dialer } from './dialer';

/**
 * The join between a profile's SSH hops and the tunnel layer: hop specs from the stored hops, the
 * profile's SSH secrets from the keychain, a dialer that hands the driver a local forward for each
 * member's REAL name (the last hop resolves and connects it; TLS still checks that name through
 * `servername`), and the mapping from the tunnel's `details.sshKind` to what a node's status says.
 */

/** One method per hop, as the user chose it: predictable, and the error says what was tried. */
export function hopSpecsOf(hops: readonly SshHop[], agentSocket: string | null): SshHopSpec[] {
  return hops.map((h, i) => {
    if (h.auth === 'agent' && !agentSocket) {
      throw new BaleenError('E_INVALID_INPUT', `SSH hop ${i + 1} (${h.username}@${h.host}:${h.port}) logs in with the ssh-agent, but no agent is available (SSH_AUTH_SOCK is not set where Baleen runs).`, {
        sshKind: 'key-invalid',
        hop: i + 1,
        host: h.host,
        port: h.port,
      });
    }
    return {
      host: h.host,
      port: h.port,
      username: h.username,
      ...(h.label ? { label: h.label } : {}),
      ...(h.hostKeyAlias ? { hostKeyAlias: h.hostKeyAlias } : {}),
      auth: {
        identityFiles: h.auth === 'key' && h.keyFile ? [{ path: h.keyFile, required: true }] : [],
        agent: h.auth === 'agent' ? agentSocket : null,
        methods: h.auth === 'key' ? ['publickey'] : h.auth === 'agent' ? ['agent'] : h.auth === 'password' ? ['password'] : ['keyboard-interactive'],
      },
    };
  });
}

export const describeHops = (hops: readonly Pick<SshHop, 'username' | 'host' | 'port'>[]): string => hops.map((h) => `${h.username}@${h.host}:${h.port}`).join(' → ');

/** The SSH secret kinds a hop list may use: a password for password hops, a passphrase for key hops. */
export function sshSecretKindsOf(hops: readonly SshHop[]): SecretKind[] {
  return hops.flatMap((h, i) => (h.auth === 'password' ? [sshSecretKind('password', i + 1)] : h.auth === 'key' ? [sshSecretKind('passphrase', i + 1)] : []));
}

export type PromptAsker = (req: HopRef & { name: string; instructions: string; prompts: KeyboardInteractivePrompt[] }, signal: AbortSignal) => Promise<string[] | undefined>;

/**
 * A profile's SSH secrets: what the caller is changing right now first (a test of unsaved edits; null
 * means "being deleted"), then the keychain. Values pass from here into ssh2 only.
 */
export function sshSecretsPort(o: { profileId: string | null; store: SecretStore; override?: (kind: SecretKind) => { value: string | null } | undefined; ask: PromptAsker }): SshSecretsPort {
  const read = async (kind: SecretKind): Promise<string | undefined> => {
    const changed = o.override?.(kind);
    if (changed) return changed.value ?? undefined;
    if (o.profileId === null) return undefined;
    const r = await o.store.read(o.profileId, kind);
    return r.state === 'set' ? r.value : undefined;
  };
  return {
    password: (ref) => read(sshSecretKind('password', ref.hop)),
    passphrase: (ref) => read(sshSecretKind('passphrase', ref.hop)),
    keyboardInteractive: (req, signal) => o.ask(req, signal),
  };
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** What the tunnel's error says about the SSH path, for the UI (hop, and a host key to trust or replace). */
export function sshProblemOf(e: unknown): SshProblem | undefined {
  const kind = sshKindOf(e);
  if (!kind || !(e instanceof BaleenError)) return undefined;
  const d = e.details ?? {};
  const out: SshProblem = { kind };
  const hop = num(d.hop);
  const port = num(d.port);
  if (hop !== undefined) out.hop = hop;
  if (typeof d.host === 'string') out.host = d.host;
  if (port !== undefined) out.port = port;
  const challenge = HostKeyChallenge.safeParse(d.challenge);
  if (challenge.success && (kind === 'host-key-unknown' || kind === 'host-key-changed' || kind === 'host-key-revoked')) {
    const hostKey: HostKeyProblem = { verdict: kind === 'host-key-unknown' ? 'unknown' : kind === 'host-key-changed' ? 'changed' : 'revoked', challenge: challenge.data };
    if (Array.isArray(d.previous)) {
      hostKey.previous = (d.previous as unknown[])
        .filter((p): p is { keyType: string; fingerprint: string; source: string } => {
          const x = p as Record<string, unknown>;
          return typeof x?.keyType === 'string' && typeof x.fingerprint === 'string' && typeof x.source === 'string';
        })
        .map((p) => ({ keyType: p.keyType, fingerprint: p.fingerprint, source: p.source }));
    }
    out.hostKey = hostKey;
  }
  return out;
}

const AUTH_KINDS = new Set(['auth-failed', 'bad-passphrase', 'passphrase-missing', 'key-invalid']);

/** A node that cannot be polled because of its SSH path says so: never "auth failed (18)" for an SSH login. */
export function nodeStatusWithSsh(status: NodeStatus, e: BaleenError): NodeStatus {
  const ssh = sshProblemOf(e);
  if (!ssh) return status;
  const state: NodeStatus['state'] = AUTH_KINDS.has(ssh.kind)
    ? 'ssh-auth-failed'
    : ssh.kind === 'host-key-unknown'
      ? 'host-key-unknown'
      : ssh.kind === 'host-key-changed' || ssh.kind === 'host-key-revoked'
        ? 'host-key-changed'
        : 'unreachable';
  return { ...status, state, ssh };
}

export function tunnelSummary(s: TunnelStatus): TunnelSummary {
  const err = s.error ? BaleenError.fromEnvelope(s.error) : undefined;
  const ssh = err ? sshProblemOf(err) : undefined;
  return {
    state: s.state,
    since: s.since,
    hops: (s.hops ?? []).map((h) => ({ hop: h.hop, host: h.host, port: h.port, ms: h.ms })),
    ...(err ? { reason: err.message } : {}),
    ...(ssh ? { ssh } : {}),
    ...(s.nextAttemptAt !== undefined ? { nextAttemptAt: s.nextAttemptAt } : {}),
    failures: s.failures,
  };
}

/** How long a channel refusal explains later socket failures (a fresh channel that opens clears it). */
const FAILURE_MEMORY_MS = 60_000;

/**
 * A profile's path through its SSH hops while it is in use: one shared tunnel lease, one local forward
 * per member name (stable across reconnects, so the driver's address stays valid), and the SSH errors
 * it has handed out, so a node's status can name the hop instead of "connection reset".
 */
export class SshRoute {
  private readonly forwards = new Map<string, Promise<LocalForward>>();
  private readonly recent = new Map<string, BaleenError>();
  private readonly off: () => void;
  private down = false;
  private closed = false;

  constructor(
    readonly profileId: string,
    /** The hops this route was built for (a change of hops means a new route). */
    readonly key: string,
    private readonly lease: TunnelLease,
    private readonly o: { clock: Clock; deadlineMs: number; describe: string; onStatus(route: SshRoute, s: TunnelStatus, transition: 'down' | 'recovered' | null): void },
  ) {
    this.off = lease.tunnel.onStatus((s) => {
      let transition: 'down' | 'recovered' | null = null;
      if (s.state === 'ready') {
        if (this.down) transition = 'recovered';
        this.down = false;
      } else if (s.state !== 'idle' && s.state !== 'connecting' && s.state !== 'closed') {
        if (!this.down) transition = 'down';
        this.down = true;
      }
      o.onStatus(this, s, transition);
    });
  }

  get tunnel(): SshTunnel {
    return this.lease.tunnel;
  }

  private note(e: BaleenError): BaleenError {
    this.recent.delete(e.message);
    this.recent.set(e.message, e);
    if (this.recent.size > 32) this.recent.delete(this.recent.keys().next().value!);
    return e;
  }

  /** The SSH error behind a node status reason this route produced, if any. */
  explain(reason: string | undefined): BaleenError | undefined {
    return reason === undefined ? undefined : this.recent.get(reason);
  }

  readonly dial: Dialer = async (hostPort, signal) => {
    const { host, port } = splitHostPort(hostPort);
    try {
      // The tunnel's own error (with its hop) rather than a driver timeout; joins an attempt in flight,
      // and fails fast during a backoff wait (the tunnel's schedule, not every poll, decides retries).
      await this.tunnel.session(this.o.deadlineMs, signal);
    } catch (e) {
      throw e instanceof BaleenError ? this.note(e) : e;
    }
    const key = `${host.toLowerCase()}:${port}`;
    let pending = this.forwards.get(key);
    if (!pending) {
      pending = this.tunnel.forward(host, port);
      this.forwards.set(key, pending);
      pending.catch(() => this.forwards.delete(key));
    }
    const fwd = await pending;
    return {
      host: fwd.localHost,
      port: fwd.localPort,
      ...(isIP(host) ? {} : { servername: host }),
      via: `SSH ${this.o.describe}`,
      failure: () => this.failureOf(fwd),
    };
  };

  /** Forward addresses handed out (the alias table records them; they are never a node's identity). */
  async forwardAddress(hostPort: string): Promise<string | undefined> {
    const { host, port } = splitHostPort(hostPort);
    const f = await this.forwards.get(`${host.toLowerCase()}:${port}`)?.catch(() => undefined);
    return f ? `${f.localHost}:${f.localPort}` : undefined;
  }

  private failureOf(fwd: LocalForward): BaleenError | undefined {
    const st = this.tunnel.status;
    if (st.state === 'closed') return this.note(new BaleenError('E_UNREACHABLE', `Disconnected. The SSH tunnel ${this.o.describe} was closed.`, { sshKind: 'closed' }));
    if (st.state !== 'ready') return st.error ? this.note(BaleenError.fromEnvelope(st.error)) : undefined;
    const lf = fwd.lastFailure;
    if (lf && lf.error instanceof BaleenError && lf.at >= st.since && this.o.clock.now() - lf.at < FAILURE_MEMORY_MS) return this.note(lf.error);
    return undefined;
  }

  /** Releases the lease: the last holder closes the tunnel, which never reconnects (REL-S8). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.off();
    await this.lease.release();
  }
}
