import { BaleenError } from '../../../src-shared/domain/errors';
import type { SshTunnel } from './ssh-tunnel';
import type { SshHopSpec } from './ssh-types';

/**
 * Tunnels by (scope, chain): every member of a deployment reached through the same bastions shares one
 * SSH session; the last lease to go closes it. The factory builds a tunnel with the app's ports (clock,
 * host keys, secrets, audit), so the connection layer only names the hops.
 */
export interface TunnelLease {
  readonly tunnel: SshTunnel;
  /** Idempotent. Closes the tunnel when no other lease holds it. */
  release(): Promise<void>;
}

export const chainKey = (scope: string, hops: readonly SshHopSpec[]): string =>
  JSON.stringify([scope, hops.map((h) => [h.username, h.host.toLowerCase(), h.port, h.hostKeyAlias ?? null])]);

export class SshTunnelManager {
  private readonly entries = new Map<string, { tunnel: SshTunnel; refs: number }>();
  private disposed = false;

  constructor(private readonly create: (scope: string, hops: readonly SshHopSpec[]) => SshTunnel) {}

  acquire(scope: string, hops: readonly SshHopSpec[]): TunnelLease {
    if (this.disposed) throw new BaleenError('E_UNREACHABLE', 'Disconnected. Baleen is shutting down its SSH tunnels.', { sshKind: 'closed' });
    const key = chainKey(scope, hops);
    let e = this.entries.get(key);
    if (!e || e.tunnel.status.state === 'closed') {
      e = { tunnel: this.create(scope, hops), refs: 0 };
      this.entries.set(key, e);
    }
    e.refs++;
    const entry = e;
    let released = false;
    return {
      tunnel: entry.tunnel,
      release: async () => {
        if (released) return;
        released = true;
        if (--entry.refs > 0) return;
        if (this.entries.get(key) === entry) this.entries.delete(key);
        await entry.tunnel.close();
      },
    };
  }

  get size(): number {
    return this.entries.size;
  }

  /** After resume or a network change: every tunnel that is down tries again now (REL-S3). */
  recheckAll(): void {
    for (const { tunnel } of this.entries.values()) tunnel.recheck();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.tunnel.close()));
  }
}
