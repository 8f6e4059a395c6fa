import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedReplicaSet, type SimulatedReplicaSet } from '../../src-main/core/sim';
import type { SimRates } from '../../src-main/core/sim';
import type { SshHopInput } from '../../src-shared/contract';
import { requireOpenSsh, sshKeygen, startSshAgent, startSshd, type KeyPair, type SshAgentHandle, type SshdHandle } from './sshd';

/**
 * A customer's network in miniature, on loopback: a replica set whose members are named
 * `m1.rs.internal:27017` … and listen on 127.77.N.11–13, behind two real OpenSSH bastions.
 *
 * - sshd A (127.77.N.2) is the only one reachable from here; its PermitOpen lets it reach sshd B only.
 * - sshd B (127.77.N.3) resolves the inside names through its own /etc/hosts (a private mount namespace,
 *   hosts from files only, no DNS) and may open channels to those names only (PermitOpen by name).
 *
 * So the member names resolve nowhere but at B, and the only way to a member is A → B → member: what
 * Baleen must do through the dialer seam. `N` is random per run, so parallel suites do not collide.
 * Extra inside names (a FerretDB with TLS, a name that does not resolve, a port nobody listens on) are
 * set up front because sshd reads its hosts and PermitOpen only at start.
 */
export const RS_MEMBERS = ['m1.rs.internal:27017', 'm2.rs.internal:27017', 'm3.rs.internal:27017'] as const;

export interface SshDeployment {
  /** `127.77.N` */
  net: string;
  dir: string;
  /** The key A and B accept: plain, one with a passphrase, and one only the agent holds. */
  keys: { plain: KeyPair; withPassphrase: KeyPair; agentOnly: KeyPair };
  passphrase: string;
  agent: SshAgentHandle;
  a: SshdHandle;
  b: SshdHandle;
  rs: SimulatedReplicaSet;
  /** Inside name → address, as B resolves it. */
  inside: Record<string, string>;
  /** The inside address kept for a TLS FerretDB (`ferret.db.internal:27018` at B). */
  ferretAddress: string;
  /** Hop 1 = A with the passphrase key, hop 2 = B through the agent. */
  twoHops(): SshHopInput[];
  /** B alone, with the plain key (B is reachable from here too). */
  oneHop(): SshHopInput[];
  stop(): Promise<void>;
}

export async function startSshDeployment(o: { rates?: Partial<SimRates>; members?: boolean } = {}): Promise<SshDeployment> {
  requireOpenSsh();
  const n = 2 + Math.floor(Math.random() * 250);
  const net = `127.77.${n}`;
  const dir = mkdtempSync(join(tmpdir(), 'baleen-sshdep-'));
  const passphrase = `pass-${Math.random().toString(36).slice(2)}`;
  const keys = {
    plain: sshKeygen(dir, 'plain'),
    withPassphrase: sshKeygen(dir, 'with-passphrase', { passphrase }),
    agentOnly: sshKeygen(dir, 'agent-only'),
  };
  const inside: Record<string, string> = {
    'm1.rs.internal': `${net}.11`,
    'm2.rs.internal': `${net}.12`,
    'm3.rs.internal': `${net}.13`,
    'ferret.db.internal': `${net}.20`,
    // Resolves at B, but nothing listens there: "connection refused" from the last hop.
    'refused.rs.internal': `${net}.99`,
  };
  const stops: (() => Promise<void>)[] = [];
  try {
    const rs =
      o.members === false
        ? null
        : await startSimulatedReplicaSet({
            setName: 'rs0',
            members: [...RS_MEMBERS],
            ...(o.rates ? { rates: o.rates } : {}),
            member: (me) => ({ host: inside[me.split(':')[0]!]!, port: 27017 }),
          });
    if (rs) stops.push(() => rs.stop());
    const agent = await startSshAgent();
    stops.push(() => agent.stop());
    agent.add(keys.agentOnly.path);
    const authorized = [keys.plain.publicLine, keys.withPassphrase.publicLine, keys.agentOnly.publicLine];
    const b = await startSshd({
      address: `${net}.3`,
      authorizedKeys: authorized,
      hosts: inside,
      // By name, as the members are asked for; `nowhere.rs.internal` is allowed but resolves nowhere.
      permitOpen: [...RS_MEMBERS, 'ferret.db.internal:27018', 'nowhere.rs.internal:27017', 'refused.rs.internal:27017'],
    });
    stops.push(() => b.stop());
    const a = await startSshd({ address: `${net}.2`, authorizedKeys: authorized, permitOpen: [`${b.host}:${b.port}`] });
    stops.push(() => a.stop());
    return {
      net,
      dir,
      keys,
      passphrase,
      agent,
      a,
      b,
      rs: rs!,
      inside,
      ferretAddress: `${net}.20`,
      twoHops: () => [
        { host: a.host, port: a.port, username: a.user, auth: 'key', keyFile: keys.withPassphrase.path, label: 'bastion-a' },
        { host: b.host, port: b.port, username: b.user, auth: 'agent', label: 'bastion-b' },
      ],
      oneHop: () => [{ host: b.host, port: b.port, username: b.user, auth: 'key', keyFile: keys.plain.path }],
      async stop() {
        for (const s of stops.reverse()) await s().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
