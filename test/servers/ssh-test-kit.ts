import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../src-main/core/audit/audit-log';
import { systemClock, type Clock } from '../../src-main/core/ports/clock';
import { silentLogger, type Logger } from '../../src-main/core/ports/logger';
import { betterSqliteDriver } from '../../src-main/core/store/better-sqlite3.driver';
import {
  HostKeyVerifier,
  MemoryHostKeyStore,
  SshTunnel,
  type HopRef,
  type KeyboardInteractivePrompt,
  type SshHopSpec,
  type SshSecretsPort,
  type SshTunnelOptions,
} from '../../src-main/core/tunnels';

/** The parts a tunnel test wires together: a real audit log, pins in memory, a scripted secrets port. */
export interface SshKit {
  dir: string;
  audit: AuditLog;
  pins: MemoryHostKeyStore;
  verifier: HostKeyVerifier;
  secrets: ScriptedSecrets;
  tunnel(hops: SshHopSpec[], o?: Partial<SshTunnelOptions>): SshTunnel;
  close(): Promise<void>;
}

/** Answers from fixed values and records every request (without the answers). */
export class ScriptedSecrets implements SshSecretsPort {
  passwords = new Map<number, string>();
  passphrases = new Map<string, string>();
  kbdAnswers: string[] | undefined;
  requests: { kind: string; hop: number; key?: string; prompts?: KeyboardInteractivePrompt[] }[] = [];

  async password(req: HopRef): Promise<string | undefined> {
    this.requests.push({ kind: 'password', hop: req.hop });
    return this.passwords.get(req.hop);
  }
  async passphrase(req: HopRef & { key: string }): Promise<string | undefined> {
    this.requests.push({ kind: 'passphrase', hop: req.hop, key: req.key });
    return this.passphrases.get(req.key);
  }
  async keyboardInteractive(req: HopRef & { prompts: KeyboardInteractivePrompt[] }): Promise<string[] | undefined> {
    this.requests.push({ kind: 'keyboard-interactive', hop: req.hop, prompts: req.prompts });
    return this.kbdAnswers;
  }
}

export function sshKit(o: { knownHostsFiles?: string[]; clock?: Clock; log?: Logger } = {}): SshKit {
  const dir = mkdtempSync(join(tmpdir(), 'baleen-sshkit-'));
  const clock = o.clock ?? systemClock;
  const audit = new AuditLog(betterSqliteDriver(), join(dir, 'audit.db'), systemClock);
  const pins = new MemoryHostKeyStore();
  const verifier = new HostKeyVerifier({ knownHostsFiles: o.knownHostsFiles ?? [], pins, audit, clock });
  const secrets = new ScriptedSecrets();
  const tunnels: SshTunnel[] = [];
  let made = 0;
  return {
    dir,
    audit,
    pins,
    verifier,
    secrets,
    tunnel(hops, extra = {}) {
      const t = new SshTunnel({ id: `test-${made++}`, hops, hostKeys: verifier, secrets, clock, log: o.log ?? silentLogger, audit, ...extra });
      tunnels.push(t);
      // Closed tunnels are let go, so a soak measures the tunnel layer's heap, not this list.
      t.onStatus((st) => {
        const i = tunnels.indexOf(t);
        if (st.state === 'closed' && i >= 0) tunnels.splice(i, 1);
      });
      return t;
    },
    async close() {
      await Promise.all([...tunnels].map((t) => t.close()));
      audit.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Pins a server's key the way a user's "trust" would (audited), from a fetched challenge. */
export async function pinKey(kit: SshKit, host: string, port: number, blob: Buffer): Promise<void> {
  const { fingerprintOf } = await import('../../src-main/core/tunnels');
  const type = blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1');
  await kit.verifier.trust({ host, port, keyType: type, key: blob.toString('base64'), fingerprint: fingerprintOf(blob) }, 'test');
}

/**
 * This process's listening TCP sockets as `ss -ltnp` would list them (SEC-S7): LISTEN rows of
 * /proc/net/tcp{,6} whose inode is one of our file descriptors. Each is `address:port`.
 */
export function listeningPorts(): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // fd closed while we looked
    }
  }
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9]!)) continue;
      const [hex, portHex] = f[1]!.split(':') as [string, string];
      const addr = hex.length === 8 ? [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.') : hex;
      out.push(`${addr}:${parseInt(portHex, 16)}`);
    }
  }
  return out.sort();
}

export const listeningSockets = (): number => listeningPorts().length;

export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}
