import { promises as dnsPromises } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, checkServerIdentity, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { ConnectionForm, SshHop, TestResult, TestStep, TestStepId } from '../../../src-shared/contract';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import type { Clock } from '../ports/clock';
import { FeatureGate, matrixFromConnectionStatus } from './capabilities';
import type { DialTarget, Dialer } from './dialer';
import { networkReason, tlsReason } from './mongo-errors';
import type { NodeClient, NodeSecrets } from './node-client';
import { splitHostPort } from './dialer';
import { sshProblemOf } from './ssh-route';
import { resolveSrvUri, type SrvResolver } from './srv';
import { discoverDeployment, roleFromHello } from './topology-discovery';
import type { HopTiming } from '../tunnels';

/**
 * The connection test (issue 3 §5): each step on its own, with its own result and time, so a failure
 * names the step and the reason: SSH hops 1..n (each with its time; DNS, refused, timeout, jump host
 * unreachable, host key unknown or changed, bad passphrase, login refused), then DNS, TCP (through the
 * tunnel: the last hop opens the channel, or says why it cannot), TLS (over that channel, checking the
 * member's real name), authentication, privileges, topology. Unreachable vs DNS vs refused vs timeout
 * vs auth failed (18) vs not authorized (13) vs each TLS certificate error are told apart.
 */
export type Lookup = (host: string) => Promise<{ address: string; family: number }>;

export const systemLookup: Lookup = (host) => dnsPromises.lookup(host);

export interface ConnectionTestTarget {
  /** The stored (secret-free) URI, mongodb:// or mongodb+srv://. */
  safeUri: string;
  form: ConnectionForm;
  secrets: NodeSecrets;
  sshHops: readonly SshHop[];
  discover: boolean;
}

export interface ConnectionTestDeps {
  dial: Dialer;
  lookup: Lookup;
  srv: SrvResolver;
  clock: Clock;
  connectTimeoutMs: number;
  deadlineMs: number;
  /** Opens a driver client for one address (NodeClient.connect with the app's options). */
  open(baseUri: string, hostPort: string, secrets: NodeSecrets, signal: AbortSignal): Promise<NodeClient>;
  /** The profile's SSH hops, when it has any: a fresh tunnel for this test only. */
  ssh?: {
    /** Throws if the hops cannot be set up at all (no agent for an agent hop): checked before any traffic. */
    prepare(): void;
    /** Opens every hop; `onHop` sees each as it authenticates. */
    open(onHop: (t: HopTiming) => void, signal: AbortSignal): Promise<void>;
    /** A channel from the last hop to host:port (the member's real name, resolved by that host). */
    connect(host: string, port: number, signal: AbortSignal): Promise<Duplex>;
  };
}

const LABELS: Record<TestStepId, string> = {
  ssh: 'SSH hops',
  dns: 'Name resolution',
  tcp: 'TCP connection',
  tls: 'TLS handshake',
  auth: 'Authentication',
  privileges: 'Privileges',
  topology: 'Topology',
};

class StepFailed extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly code: BaleenError['code'] = 'E_UNREACHABLE',
    readonly extra: Pick<TestStep, 'hop' | 'hostKey'> = {},
  ) {
    super(message);
  }
}

export async function runConnectionTest(target: ConnectionTestTarget, deps: ConnectionTestDeps, signal: AbortSignal): Promise<TestResult> {
  const steps: TestStep[] = [];
  const t0 = deps.clock.monotonic();
  const clients: NodeClient[] = [];
  const result = (ok: boolean, extra: Partial<TestResult> = {}): TestResult => ({ ok, steps, totalMs: Math.round(deps.clock.monotonic() - t0), ...extra });

  async function step<T>(id: TestStepId, host: string | undefined, fn: () => Promise<{ value: T; detail: string; status?: 'ok' | 'warning' }>): Promise<T> {
    const start = deps.clock.monotonic();
    try {
      const r = await fn();
      steps.push({ step: id, label: LABELS[id], ...(host ? { host } : {}), status: r.status ?? 'ok', ms: Math.round(deps.clock.monotonic() - start), detail: r.detail });
      return r.value;
    } catch (e) {
      if (signal.aborted) throw signal.reason instanceof BaleenError ? signal.reason : new BaleenError('E_CANCELLED', 'The connection test was cancelled.');
      const f = e instanceof StepFailed ? e : asStepFailure(e);
      steps.push({ step: id, label: LABELS[id], ...(host ? { host } : {}), status: 'failed', ms: Math.round(deps.clock.monotonic() - start), detail: f.message, reason: f.reason, code: f.code, ...f.extra });
      throw f;
    }
  }
  const skipRest = (from: TestStepId[], why: string) => {
    for (const id of from) if (!steps.some((s) => s.step === id)) steps.push({ step: id, label: LABELS[id], status: 'skipped', ms: null, detail: why });
  };

  try {
    const hops = target.sshHops;
    const ssh = hops.length > 0 ? deps.ssh : undefined;
    if (hops.length > 0 && !ssh) throw new BaleenError('E_INTERNAL', 'The connection test was given SSH hops but no tunnel.');
    if (ssh) {
      const ok = await sshSteps(hops, ssh, deps, steps, signal);
      if (!ok) {
        skipRest(['dns', 'tcp', 'tls', 'auth', 'privileges', 'topology'], 'not run: the SSH hops could not be opened');
        return result(false);
      }
    } else steps.push({ step: 'ssh', label: LABELS.ssh, status: 'skipped', ms: null, detail: 'no SSH hops: connecting directly' });
    const lastHop = hops.length > 0 ? `SSH host (hop ${hops.length}) ${hops[hops.length - 1]!.host}` : '';

    let baseUri = target.safeUri;
    let seeds = target.form.hosts;
    if (target.form.scheme === 'mongodb+srv') {
      const srv = await step('dns', target.form.hosts[0], async () => {
        const r = await resolveSrvUri(target.safeUri, deps.srv, signal);
        const txt = Object.entries(r.fromTxt).map(([k, v]) => `${k}=${v}`).join('&');
        return { value: r, detail: `SRV gives ${r.hosts.join(', ')}${txt ? `; TXT sets ${txt}` : ''}` };
      });
      baseUri = srv.uri;
      seeds = srv.hosts;
    }
    const tlsOn = /[?&](tls|ssl)=true(&|$)/i.test(baseUri);

    let reached: string | null = null;
    let lastError: StepFailed | null = null;
    for (const seed of seeds) {
      if (ssh) {
        // Through SSH the last hop resolves and connects the member's real name; TLS runs over that channel.
        try {
          const { host, port } = splitHostPort(seed);
          steps.push({ step: 'dns', label: LABELS.dns, host: seed, status: 'skipped', ms: null, detail: `${host} is resolved by the ${lastHop}, not by this machine` });
          await step('tcp', seed, async () => {
            const ch = await ssh.connect(host, port, signal).catch((e: unknown) => {
              throw channelFailure(e, hops.length);
            });
            ch.destroy();
            return { value: undefined, detail: `the ${lastHop} opened a channel to ${host}:${port}` };
          });
          if (tlsOn) await step('tls', seed, () => tlsProbe(seed, { host, port }, target, deps.connectTimeoutMs, signal, async () => ssh.connect(host, port, signal)));
          else steps.push({ step: 'tls', label: LABELS.tls, host: seed, status: 'skipped', ms: null, detail: 'TLS is off for this connection' });
          reached = seed;
          break;
        } catch (e) {
          if (!(e instanceof StepFailed)) throw e;
          lastError = e;
          continue;
        }
      }
      try {
        const dialled = await step('dns', seed, async () => {
          const d = await deps.dial(seed, signal);
          if (isIP(d.host)) return { value: { ...d, address: d.host }, detail: `${d.host} is an IP address${d.via ? ` (${d.via})` : ''}` };
          const r = await deps.lookup(d.host);
          return { value: { ...d, address: r.address }, detail: `${d.host} → ${r.address}${d.via ? ` (${d.via})` : ''}` };
        });
        await step('tcp', seed, async () => {
          await tcpProbe(dialled.address, dialled.port, deps.connectTimeoutMs, signal);
          return { value: undefined, detail: `connected to ${dialled.address}:${dialled.port}` };
        });
        if (tlsOn) await step('tls', seed, () => tlsProbe(seed, dialled, target, deps.connectTimeoutMs, signal));
        else steps.push({ step: 'tls', label: LABELS.tls, host: seed, status: 'skipped', ms: null, detail: 'TLS is off for this connection' });
        reached = seed;
        break;
      } catch (e) {
        if (!(e instanceof StepFailed)) throw e;
        lastError = e;
      }
    }
    if (reached === null) {
      skipRest(['tcp', 'tls', 'auth', 'privileges', 'topology'], `not run: ${lastError?.message ?? 'no host was reached'}`);
      return result(false);
    }

    const auth = await step('auth', reached, async () => {
      const client = await deps.open(baseUri, reached!, target.secrets, signal).catch((e: unknown) => {
        throw asStepFailure(e);
      });
      clients.push(client);
      const hello = await client.command({ hello: 1 }, { deadlineMs: deps.deadlineMs, signal });
      const buildInfo = await client.command({ buildInfo: 1 }, { deadlineMs: deps.deadlineMs, signal }).catch(() => null);
      const user = target.form.auth.username;
      const mech = target.form.auth.mechanism;
      const detail =
        mech === 'NONE'
          ? 'no credentials: connected without authentication'
          : `authenticated${user ? ` as ${user}` : ''}${mech !== 'DEFAULT' ? ` (${mech})` : ''}${target.form.auth.authSource ? ` on ${target.form.auth.authSource}` : ''}`;
      return { value: { client, hello, buildInfo }, detail };
    });
    const ferret = typeof auth.buildInfo?.ferretdbVersion === 'string' ? auth.buildInfo.ferretdbVersion.replace(/^v/, '') : null;
    const server = {
      hostPort: typeof auth.hello.me === 'string' ? auth.hello.me : reached,
      server: ferret ? 'ferretdb' : auth.hello.msg === 'isdbgrid' ? 'mongos' : 'mongod',
      version: ferret ?? (typeof auth.buildInfo?.version === 'string' ? auth.buildInfo.version : null),
    };

    const matrix = await step('privileges', reached, async () => {
      const gate = new FeatureGate(deps.clock);
      const status = await auth.client.command({ connectionStatus: 1, showPrivileges: true }, { deadlineMs: deps.deadlineMs, signal });
      gate.replace(matrixFromConnectionStatus(status, deps.clock.now()));
      // What the privileges do not say (no user, a server that lists none), serverStatus tells.
      if (gate.state('serverStatus').state !== 'available') {
        try {
          await gate.run('serverStatus', () => auth.client.command({ serverStatus: 1 }, { deadlineMs: deps.deadlineMs, signal }));
        } catch (e) {
          if (e instanceof BaleenError && e.code === 'E_NOT_AUTHORIZED') {
            throw new StepFailed('not-authorized', `Not authorized (code 13): this user cannot run serverStatus. Grant it the clusterMonitor role on admin.`, 'E_NOT_AUTHORIZED');
          }
          throw e;
        }
      }
      const m = gate.current;
      const off = m.features.filter((f) => f.state === 'unavailable' || f.state === 'partial');
      const who = m.users.length > 0 ? `${m.users.join(', ')} (${m.roles.join(', ') || 'no roles'})` : 'no user';
      const detail =
        off.length === 0
          ? `${who}: every feature available`
          : `${who}: ${m.features.length - off.length} of ${m.features.length} features; off: ${off.map((f) => `${f.feature} (${f.reason ?? f.state})`).join('; ')}`;
      return { value: m, detail, status: off.length > 0 ? 'warning' : 'ok' };
    });

    const topology = await step('topology', reached, async () => {
      if (!target.discover) {
        const kind = auth.hello.msg === 'isdbgrid' ? 'sharded' : typeof auth.hello.setName === 'string' ? 'replica set' : 'standalone';
        return { value: undefined, detail: `${kind}${typeof auth.hello.setName === 'string' ? ` ${auth.hello.setName}` : ''} (${roleFromHello(auth.hello)}); discovery is off, only the seed hosts will be polled` };
      }
      const gates = new Map<string, FeatureGate>();
      const found = await discoverDeployment(
        [reached!, ...seeds.filter((s) => s !== reached)],
        {
          open: (hp, sig) => deps.open(baseUri, hp, target.secrets, sig),
          gate: (hp) => gates.get(hp) ?? (gates.set(hp, new FeatureGate(deps.clock)), gates.get(hp)!),
          deadlineMs: deps.deadlineMs,
          now: () => deps.clock.now(),
        },
        { discover: true },
        signal,
      );
      for (const n of found.nodes) if (n.client) clients.push(n.client);
      const t = found.topology;
      const all = [...t.members, ...t.shards.flatMap((s) => s.members), ...(t.configServers?.members ?? [])];
      const down = all.filter((m) => m.state === 'UNREACHABLE' || m.state === 'DOWN');
      const what =
        t.kind === 'sharded'
          ? `sharded cluster: ${t.members.length} mongos, ${t.shards.length} shards, ${t.configServers?.members.length ?? 0} config servers`
          : t.kind === 'replicaSet'
            ? `replica set ${t.replicaSet?.name}: ${t.members.map((m) => `${m.hostPort} ${m.state}`).join(', ')}`
            : 'standalone';
      return { value: t, detail: down.length > 0 ? `${what}; unreachable: ${down.map((m) => m.hostPort).join(', ')}` : what, status: down.length > 0 ? 'warning' : 'ok' };
    });
    return result(true, { server, capabilities: matrix, ...(topology ? { topology } : {}) });
  } catch (e) {
    if (!(e instanceof StepFailed)) throw e;
    skipRest(['dns', 'tcp', 'tls', 'auth', 'privileges', 'topology'], `not run: an earlier step failed`);
    return result(false);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

/**
 * SSH hops 1..n, each a step with its own time as it authenticates; the one that failed says why and
 * carries the host key to trust (unknown) or the old and new keys (changed). Returns false on failure.
 */
async function sshSteps(hops: readonly SshHop[], ssh: NonNullable<ConnectionTestDeps['ssh']>, deps: ConnectionTestDeps, steps: TestStep[], signal: AbortSignal): Promise<boolean> {
  const n = hops.length;
  const label = (i: number) => `SSH hop ${i} of ${n}`;
  const where = (i: number) => {
    const h = hops[i - 1]!;
    return `${h.username}@${h.host}:${h.port}`;
  };
  let done = 0;
  let lastAt = deps.clock.monotonic();
  const fail = (hop: number, ms: number, f: { message: string; reason: string; code: BaleenError['code']; extra?: Pick<TestStep, 'hostKey'> }) => {
    for (let i = done + 1; i < hop; i++) steps.push({ step: 'ssh', label: label(i), host: where(i), status: 'skipped', ms: null, detail: 'not run: an SSH key could not be prepared', hop: i });
    steps.push({ step: 'ssh', label: label(hop), host: where(hop), status: 'failed', ms, detail: f.message, reason: f.reason, code: f.code, hop, ...f.extra });
    for (let i = hop + 1; i <= n; i++) steps.push({ step: 'ssh', label: label(i), host: where(i), status: 'skipped', ms: null, detail: `not run: hop ${hop} failed`, hop: i });
    return false;
  };
  const failWith = (e: unknown) => {
    const err = e instanceof BaleenError ? e : new BaleenError('E_INTERNAL', errorMessage(e));
    const problem = sshProblemOf(err);
    // A key is read before any traffic: its hop is the one named. Otherwise the next hop is the one that failed.
    const keyKinds = new Set(['bad-passphrase', 'passphrase-missing', 'key-invalid']);
    const named = typeof err.details?.hop === 'number' ? err.details.hop : 0;
    const hop = Math.min(n, problem && keyKinds.has(problem.kind) ? Math.max(named, 1) : Math.max(done + 1, named));
    return fail(hop, Math.round(deps.clock.monotonic() - lastAt), {
      message: err.message,
      reason: problem?.kind ?? err.code.toLowerCase().replace(/^e_/, ''),
      code: err.code,
      ...(problem?.hostKey ? { extra: { hostKey: problem.hostKey } } : {}),
    });
  };
  try {
    ssh.prepare();
  } catch (e) {
    return failWith(e);
  }
  // Hop 1's name is resolved here first, through the same lookup as a direct connection, so "does not
  // resolve" is told apart from "refused" before ssh2 dials.
  const first = hops[0]!;
  if (!isIP(first.host)) {
    try {
      await deps.lookup(first.host);
    } catch {
      // Worded as the tunnel words it, so the same failure reads the same in the test and in a node's status.
      const label = first.label && first.label !== first.host ? ` (${first.label})` : '';
      return fail(1, Math.round(deps.clock.monotonic() - lastAt), { message: `${n > 1 ? 'SSH jump host 1' : 'SSH host'} ${where(1)}${label} is unreachable: the name ${first.host} does not resolve.`, reason: 'dns', code: 'E_UNREACHABLE' });
    }
  }
  try {
    await ssh.open((t) => {
      done = t.hop;
      lastAt = deps.clock.monotonic();
      const via = t.hop > 1 ? ` through hop ${t.hop - 1}` : '';
      steps.push({ step: 'ssh', label: label(t.hop), host: where(t.hop), status: 'ok', ms: t.ms, detail: `connected${via}, host key checked, logged in as ${hops[t.hop - 1]!.username} (${hops[t.hop - 1]!.auth})`, hop: t.hop });
    }, signal);
    return true;
  } catch (e) {
    if (signal.aborted) throw signal.reason instanceof BaleenError ? signal.reason : new BaleenError('E_CANCELLED', 'The connection test was cancelled.');
    return failWith(e);
  }
}

/** The last hop could not open the channel: say whether it could not resolve, was refused, or was not allowed. */
function channelFailure(e: unknown, hopCount: number): StepFailed {
  if (!(e instanceof BaleenError)) return asStepFailure(e);
  const kind = typeof e.details?.sshKind === 'string' ? e.details.sshKind : undefined;
  if (kind !== 'channel-open-failed') {
    const f = asStepFailure(e);
    return new StepFailed(kind ?? f.reason, f.message, f.code, { hop: typeof e.details?.hop === 'number' ? e.details.hop : hopCount });
  }
  const why = `${String(e.details?.reason ?? '')} ${e.message}`;
  const reason = /not known|name resolution|no address|nodename nor servname|unknown host/i.test(why)
    ? 'dns'
    : /refused/i.test(why)
      ? 'refused'
      : /timed out|timeout/i.test(why)
        ? 'timeout'
        : /prohibited/i.test(why)
          ? 'prohibited'
          : 'channel-open-failed';
  return new StepFailed(reason, e.message, 'E_UNREACHABLE', { hop: typeof e.details?.hop === 'number' ? e.details.hop : hopCount });
}

function asStepFailure(e: unknown): StepFailed {
  if (e instanceof StepFailed) return e;
  if (e instanceof BaleenError) {
    const code = e.code;
    const reason =
      code === 'E_AUTH' ? 'auth-failed' : code === 'E_NOT_AUTHORIZED' ? 'not-authorized' : code === 'E_TIMEOUT' ? 'timeout' : typeof e.details?.reason === 'string' ? e.details.reason : code.toLowerCase().replace(/^e_/, '');
    return new StepFailed(reason, e.message, code);
  }
  const t = tlsReason(e);
  if (t) return new StepFailed(t.kind, t.text);
  const r = networkReason(e);
  return new StepFailed(r.kind, r.text);
}

function tcpProbe(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const s: Socket = netConnect({ host, port });
    const done = (err?: StepFailed) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      s.destroy();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => done(new StepFailed('cancelled', 'cancelled', 'E_CANCELLED'));
    const timer = setTimeout(() => done(new StepFailed('timeout', `no answer from ${host}:${port} within ${timeoutMs} ms (a firewall may be dropping the packets)`, 'E_TIMEOUT')), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    s.once('connect', () => done());
    s.once('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? '';
      if (code === 'ECONNREFUSED') done(new StepFailed('refused', `connection refused by ${host}:${port} (nothing is listening on that port)`));
      else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') done(new StepFailed('unreachable', `no route to ${host}:${port} (${code})`));
      else if (code === 'ETIMEDOUT') done(new StepFailed('timeout', `no answer from ${host}:${port} (${code})`, 'E_TIMEOUT'));
      else done(new StepFailed('unreachable', `cannot connect to ${host}:${port}: ${errorMessage(e)}`));
    });
  });
}

async function tlsFiles(form: ConnectionForm, secrets: NodeSecrets): Promise<{ ca?: Buffer; cert?: Buffer; key?: Buffer; passphrase?: string }> {
  const read = async (what: string, path: string) => {
    try {
      return await readFile(path);
    } catch (e) {
      throw new StepFailed('tls-file', `cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`, 'E_INVALID_INPUT');
    }
  };
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer; passphrase?: string } = {};
  if (form.tls.caFile) out.ca = await read('CA file', form.tls.caFile);
  if (form.tls.certificateKeyFile) {
    const pem = await read('client certificate file', form.tls.certificateKeyFile);
    out.cert = pem;
    out.key = pem;
    if (secrets.tlsKeyPassword !== undefined) out.passphrase = secrets.tlsKeyPassword;
  }
  return out;
}

const describeCert = (c: PeerCertificate) =>
  `${c.subject?.CN ? `CN=${c.subject.CN}` : 'certificate'} issued by ${c.issuer?.CN ? `CN=${c.issuer.CN}` : 'an unnamed CA'}, valid until ${c.valid_to}`;

async function tlsProbe(
  seed: string,
  dialled: Pick<DialTarget, 'port' | 'servername'> & { address?: string; host?: string },
  target: ConnectionTestTarget,
  timeoutMs: number,
  signal: AbortSignal,
  /** A stream to run TLS over (an SSH channel); without one, TCP to the dialled address. */
  carrier?: () => Promise<Duplex>,
): Promise<{ value: undefined; detail: string; status?: 'warning' }> {
  const files = await tlsFiles(target.form, target.secrets);
  const seedHost = seed.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const servername = dialled.servername ?? seedHost;
  const allowInvalidCerts = target.form.tls.allowInvalidCertificates === true;
  const allowInvalidHosts = target.form.tls.allowInvalidHostnames === true;
  const where = carrier ? `${seed} (through the SSH tunnel)` : `${dialled.address}:${dialled.port}`;
  const stream = carrier ? await carrier().catch((e: unknown) => Promise.reject(asStepFailure(e))) : undefined;
  const socket = await new Promise<TLSSocket>((resolve, reject) => {
    let s: TLSSocket;
    try {
      s = tlsConnect({
        ...((stream ? { socket: stream } : { host: dialled.address, port: dialled.port }) as ConnectionOptions),
        ...(isIP(servername) ? {} : { servername }),
        ...files,
        rejectUnauthorized: !allowInvalidCerts,
        // Node checks the name against the address dialled unless told the real one.
        checkServerIdentity: (_host, cert) => (allowInvalidHosts ? undefined : checkServerIdentity(servername, cert)),
      });
    } catch (e) {
      const m = errorMessage(e);
      reject(/bad decrypt|bad password|passphrase/i.test(m) ? new StepFailed('tls-key-passphrase', 'the client key could not be decrypted: check its passphrase', 'E_INVALID_INPUT') : asStepFailure(e));
      return;
    }
    const done = (err?: StepFailed) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (err) {
        s.destroy();
        reject(err);
      } else resolve(s);
    };
    const onAbort = () => done(new StepFailed('cancelled', 'cancelled', 'E_CANCELLED'));
    const timer = setTimeout(() => done(new StepFailed('timeout', `no TLS handshake from ${where} within ${timeoutMs} ms (is TLS on at the server?)`, 'E_TIMEOUT')), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    s.once('secureConnect', () => done());
    s.once('error', (e) => {
      const m = errorMessage(e);
      if (/bad decrypt|bad password/i.test(m)) done(new StepFailed('tls-key-passphrase', 'the client key could not be decrypted: check its passphrase', 'E_INVALID_INPUT'));
      else done(asStepFailure(e));
    });
  }).catch((e: unknown) => {
    stream?.destroy();
    throw e;
  });
  try {
    const cert = socket.getPeerCertificate();
    const proto = socket.getProtocol() ?? 'TLS';
    const problems: string[] = [];
    const authErr: unknown = socket.authorizationError;
    if (allowInvalidCerts && authErr) {
      const named = tlsReason(typeof authErr === 'string' ? Object.assign(new Error(authErr), { code: authErr }) : authErr);
      problems.push(`certificate problem ignored by opt-in: ${named?.text ?? String(authErr)}`);
    }
    if (allowInvalidCerts) problems.push('tlsAllowInvalidCertificates is on');
    if (allowInvalidHosts) problems.push('tlsAllowInvalidHostnames is on');
    const name = isIP(servername) ? '' : `, name ${servername} checked`;
    return { value: undefined, detail: `${proto}, ${describeCert(cert)}${name}${problems.length ? `; ${problems.join('; ')}` : ''}`, ...(problems.length ? { status: 'warning' as const } : {}) };
  } finally {
    socket.destroy();
    stream?.destroy();
  }
}
