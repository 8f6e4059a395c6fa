import type { ErrorEnvelope } from '../../../src-shared/domain/errors';

/** Authentication methods Baleen offers, in the order it tries them unless a hop says otherwise. */
export type SshAuthMethod = 'publickey' | 'agent' | 'keyboard-interactive' | 'password';
export const DEFAULT_AUTH_METHODS: readonly SshAuthMethod[] = ['publickey', 'agent', 'keyboard-interactive', 'password'];

/** One SSH server on the way to a MongoDB node. Hop 1 is dialled directly; hop N through hop N−1. */
export interface SshHopSpec {
  host: string;
  port: number;
  username: string;
  /** How messages name the hop, e.g. its ssh config alias. */
  label?: string;
  /** known_hosts lookups use this name instead of host:port (ssh_config HostKeyAlias). */
  hostKeyAlias?: string;
  /** TCP connect + handshake budget for this hop (time spent waiting for the user is not counted). */
  readyTimeoutMs?: number;
  auth: {
    /** Key files; a `required: false` file that does not exist is skipped (ssh's default ~/.ssh/id_*). */
    identityFiles?: { path: string; required: boolean }[];
    /** Keys held in memory (from the keychain), by a label used in messages. */
    privateKeys?: { label: string; data: string | Buffer }[];
    /** ssh-agent socket, or null for none. Agent FORWARDING is never enabled. */
    agent?: string | null;
    /** Methods to try, in order. */
    methods?: readonly SshAuthMethod[];
  };
}

export interface HopRef {
  /** 1-based position in the chain. */
  hop: number;
  host: string;
  port: number;
  username: string;
  label: string;
}

export interface KeyboardInteractivePrompt {
  prompt: string;
  echo: boolean;
}

/**
 * Where secrets come from (the keychain, or the UI asking the user). Secrets pass through here and into
 * ssh2 only: never into logs, audit details, errors or status events.
 */
export interface SshSecretsPort {
  password(req: HopRef, signal: AbortSignal): Promise<string | undefined>;
  passphrase(req: HopRef & { key: string }, signal: AbortSignal): Promise<string | undefined>;
  /** One-time-password bastions: the UI shows the server's prompts and returns one answer per prompt. */
  keyboardInteractive?(req: HopRef & { name: string; instructions: string; prompts: KeyboardInteractivePrompt[] }, signal: AbortSignal): Promise<string[] | undefined>;
}

export const noSecrets: SshSecretsPort = {
  password: async () => undefined,
  passphrase: async () => undefined,
};

export interface HopTiming {
  hop: number;
  host: string;
  port: number;
  /** From starting this hop (TCP or channel open) to authenticated, excluding time waiting for the user. */
  ms: number;
}

export type TunnelState =
  | 'idle'
  | 'connecting'
  | 'ready'
  | 'unreachable'
  | 'ssh-auth-failed'
  | 'host-key-unknown'
  | 'host-key-changed'
  | 'host-key-revoked'
  /** A local problem retrying cannot fix (unreadable key or known_hosts file): waits for `retry()`. */
  | 'failed'
  | 'closed';

export interface TunnelStatus {
  state: TunnelState;
  since: number;
  /** Why the tunnel is not ready (absent when ready, idle or closed by the user). */
  error?: ErrorEnvelope;
  /** Per-hop connect times of the current session. */
  hops?: HopTiming[];
  /** When the next automatic attempt is due (wall clock), if one is scheduled. */
  nextAttemptAt?: number;
  /** Consecutive failed attempts. */
  failures: number;
}
