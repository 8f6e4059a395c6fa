import ssh2 from 'ssh2';
import { BaleenError } from '../../../src-shared/domain/errors';
import type { Clock } from '../ports/clock';
import { fingerprintOf, hostKeyFromBlob } from './host-key';
import type { HostKeyChallenge } from './host-key-verifier';
import { hopNetworkError } from './ssh-errors';

/**
 * A pre-flight look at a directly reachable server's host key: the verifier captures the key and
 * answers "no", so the handshake stops before authentication and no credential is ever sent. For a
 * host behind jump hosts the tunnel does the same inside its chain (its error carries the challenge).
 */
export function fetchHostKey(host: string, port: number, o: { clock: Clock; timeoutMs?: number; signal?: AbortSignal }): Promise<HostKeyChallenge> {
  const ref = { hop: 1, host, port, username: '-', label: host };
  const timeoutMs = o.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let captured: HostKeyChallenge | undefined;
    let done = false;
    const finish = (e: BaleenError | null) => {
      if (done) return;
      done = true;
      timer.cancel();
      o.signal?.removeEventListener('abort', onAbort);
      client.end();
      client.destroy();
      if (captured) resolve(captured);
      else reject(e ?? new BaleenError('E_UNREACHABLE', `${host}:${port} closed the connection before showing its host key.`, { sshKind: 'reset', host, port }));
    };
    const onAbort = () => finish(new BaleenError('E_CANCELLED', 'Cancelled.'));
    const timer = o.clock.setTimeout(() => finish(hopNetworkError(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), ref, 1, timeoutMs)), timeoutMs);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    client.on('error', (e) => finish(captured ? null : hopNetworkError(e, ref, 1, timeoutMs)));
    client.on('close', () => finish(null));
    try {
      client.connect({
        host,
        port,
        username: 'baleen-preflight',
        readyTimeout: 0,
        hostVerifier: (blob: Buffer) => {
          const key = hostKeyFromBlob(blob);
          if (key) captured = { host: host.toLowerCase(), port, keyType: key.type, key: blob.toString('base64'), fingerprint: fingerprintOf(blob) };
          return false;
        },
      });
    } catch (e) {
      finish(new BaleenError('E_INVALID_INPUT', `Cannot connect to ${host}:${port}: ${(e as Error).message}`));
    }
  });
}
