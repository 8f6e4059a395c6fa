import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * Real OpenSSH for tests: Debian's sshd started on a 127.0.0.x address with generated host and user
 * keys (ssh-keygen), and ssh-agent on a socket the test owns. Every process is started here and
 * stopped by its PID (process group) in `stop()`.
 *
 * `hosts` gives an sshd its own name resolution, as a bastion inside a customer's network has: it runs
 * in a private mount namespace (unshare) where /etc/hosts is the given table and nsswitch resolves
 * hosts from files only, so those names resolve for that sshd and nowhere else, and nothing it looks
 * up ever reaches DNS.
 */
const SSHD = '/usr/sbin/sshd';

export function requireOpenSsh(): void {
  for (const bin of [SSHD, '/usr/bin/ssh-keygen', '/usr/bin/ssh-agent', '/usr/bin/ssh-add']) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`apt-get install -y --no-install-recommends openssh-server openssh-client\``);
  }
}

export interface KeyPair {
  path: string;
  pubPath: string;
  /** `type base64 comment` */
  publicLine: string;
  blob: Buffer;
  fingerprint: string;
}

const fp = (blob: Buffer) => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

export function readPublicKey(pubPath: string): { publicLine: string; blob: Buffer; fingerprint: string } {
  const publicLine = readFileSync(pubPath, 'utf8').trim();
  const blob = Buffer.from(publicLine.split(/\s+/)[1]!, 'base64');
  return { publicLine, blob, fingerprint: fp(blob) };
}

/** `ssh-keygen` a key pair; `format` PEM/PKCS8 as `-m`, OpenSSH's own format by default. */
export function sshKeygen(dir: string, name: string, o: { type?: 'ed25519' | 'rsa' | 'ecdsa'; passphrase?: string; format?: 'PEM' | 'PKCS8' } = {}): KeyPair {
  const path = join(dir, name);
  const args = ['-q', '-t', o.type ?? 'ed25519', '-N', o.passphrase ?? '', '-C', name, '-f', path];
  if (o.type === 'rsa') args.push('-b', '2048');
  if (o.format) args.push('-m', o.format);
  execFileSync('/usr/bin/ssh-keygen', args, { stdio: 'ignore' });
  return { path, pubPath: `${path}.pub`, ...readPublicKey(`${path}.pub`) };
}

async function freePortOn(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, address, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitForTcp(host: string, port: number, timeoutMs: number, failed: () => string | null): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const why = failed();
    if (why) throw new Error(why);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`sshd did not listen on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    const t = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    child.once('exit', () => {
      clearTimeout(t);
      // Per-connection sshd children share the group: end them too, by the group we created.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // none left
      }
      resolve();
    });
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      resolve();
    }
  });
}

export interface SshdOptions {
  /** A 127.0.0.x address (default 127.0.0.1). */
  address?: string;
  /** Public key lines allowed to log in as the current user. */
  authorizedKeys: string[];
  /** `PermitOpen` entries (host:port); unset = any. */
  permitOpen?: string[];
  allowTcpForwarding?: boolean;
  hostKeyType?: 'ed25519' | 'rsa' | 'ecdsa';
  extraConfig?: string[];
  /** Names only this sshd resolves (name → IPv4), e.g. `{ 'm1.rs.internal': '127.77.0.11' }`. */
  hosts?: Record<string, string>;
  /** A fixed port (default: a free one). */
  port?: number;
}

export interface SshdHandle {
  host: string;
  port: number;
  user: string;
  hostKey: KeyPair;
  dir: string;
  pid: number;
  log(): string;
  /** SIGKILL sshd and every session (the server "dies"); its port, keys and config stay for `restart()`. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same host key. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSshd(o: SshdOptions): Promise<SshdHandle> {
  requireOpenSsh();
  const dir = mkdtempSync(join(tmpdir(), 'baleen-sshd-'));
  const address = o.address ?? '127.0.0.1';
  const hostKey = sshKeygen(dir, 'host_key', { type: o.hostKeyType ?? 'ed25519' });
  writeFileSync(join(dir, 'authorized_keys'), o.authorizedKeys.join('\n') + '\n', { mode: 0o600 });
  const port = o.port ?? (await freePortOn(address));
  const config = [
    `Port ${port}`,
    `ListenAddress ${address}`,
    `HostKey ${hostKey.path}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    'StrictModes no',
    'AllowAgentForwarding no',
    `AllowTcpForwarding ${o.allowTcpForwarding === false ? 'no' : 'yes'}`,
    ...(o.permitOpen ? [`PermitOpen ${o.permitOpen.join(' ')}`] : []),
    'MaxStartups 100',
    'LogLevel DEBUG1',
    ...(o.extraConfig ?? []),
  ];
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, config.join('\n') + '\n');
  // sshd insists on its privilege-separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  execFileSync(SSHD, ['-t', '-f', configPath], { stdio: 'pipe' });
  const logPath = join(dir, 'sshd.log');
  let log = '';
  let command = SSHD;
  let args = ['-D', '-e', '-f', configPath];
  if (o.hosts) {
    const hostsFile = join(dir, 'hosts');
    const nsswitch = join(dir, 'nsswitch.conf');
    writeFileSync(hostsFile, ['127.0.0.1 localhost', ...Object.entries(o.hosts).map(([name, ip]) => `${ip} ${name}`)].join('\n') + '\n');
    writeFileSync(nsswitch, readFileSync('/etc/nsswitch.conf', 'utf8').replace(/^hosts:.*$/m, 'hosts: files'));
    command = '/usr/bin/unshare';
    args = ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', `mount --bind '${hostsFile}' /etc/hosts && mount --bind '${nsswitch}' /etc/nsswitch.conf && exec ${SSHD} -D -e -f '${configPath}'`];
  }
  let child: ChildProcess;
  const launch = async () => {
    const c = spawn(command, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.length > 4_000_000) log = log.slice(-2_000_000);
    });
    c.on('error', () => undefined);
    try {
      await waitForTcp(address, port, 10_000, () => (c.exitCode !== null ? `sshd exited (${c.exitCode}): ${log.slice(-2000)}` : null));
    } catch (e) {
      await stopGroup(c);
      throw e;
    }
  };
  try {
    await launch();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    host: address,
    port,
    user: userInfo().username,
    hostKey,
    dir,
    get pid() {
      return child.pid!;
    },
    log: () => {
      writeFileSync(logPath, log);
      return log;
    },
    kill: async () => {
      const c = child;
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      // Each session's sshd calls setsid(), so it is not in the listener's group: find them by parentage.
      const victims = [...descendantsOf(c.pid!), c.pid!];
      for (const pid of victims) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exited;
    },
    restart: () => launch(),
    stop: async () => {
      await stopGroup(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every process below `pid` (from /proc's parent links), deepest last. */
function descendantsOf(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command may hold spaces and parentheses: fields start after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

export interface SshAgentHandle {
  socket: string;
  pid: number;
  add(keyPath: string): void;
  stop(): Promise<void>;
}

/** `ssh-agent -D -a SOCKET` owned by the test. */
export async function startSshAgent(): Promise<SshAgentHandle> {
  requireOpenSsh();
  const dir = mkdtempSync(join(tmpdir(), 'baleen-agent-'));
  const socket = join(dir, 'agent.sock');
  const child = spawn('/usr/bin/ssh-agent', ['-D', '-a', socket], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  const end = Date.now() + 5000;
  while (!existsSync(socket)) {
    if (child.exitCode !== null) throw new Error(`ssh-agent exited (${child.exitCode})`);
    if (Date.now() > end) {
      await stopGroup(child);
      throw new Error('ssh-agent did not create its socket');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    socket,
    pid: child.pid!,
    add: (keyPath) => {
      execFileSync('/usr/bin/ssh-add', ['-q', keyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
    },
    stop: async () => {
      await stopGroup(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
