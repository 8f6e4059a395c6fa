import { mkdtempSync, rmSync } from 'node:fs';
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
  return {
    dir,
    audit,
    pins,
    verifier,
    secrets,
    tunnel(hops, extra = {}) {
      const t = new SshTunnel({ id: `test-${tunnels.length}`, hops, hostKeys: verifier, secrets, clock, log: o.log ?? silentLogger, audit, ...extra });
      tunnels.push(t);
      return t;
    },
    async close() {
      await Promise.all(tunnels.map((t) => t.close()));
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

/** Listening TCP servers in this process (SEC-S7 baseline checks). */
export const listeningSockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}
