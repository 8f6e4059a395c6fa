import { promises as dnsPromises } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { ConnectionForm, SshHop, TestResult, TestStep, TestStepId } from '../../../src-shared/contract';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import type { Clock } from '../ports/clock';
import { FeatureGate, matrixFromConnectionStatus } from './capabilities';
import type { DialTarget, Dialer } from './dialer';
import { networkReason, tlsReason } from './mongo-errors';
import type { NodeClient, NodeSecrets } from './node-client';
import { resolveSrvUri, type SrvResolver } from './srv';
import { discoverDeployment, roleFromHello } from './topology-discovery';

/**
 * The connection test (issue 3 §5): each step on its own, with its own result and time, so a failure
 * names the step and the reason: SSH hops (placeholders until tunnels land), DNS, TCP, TLS,
 * authentication, privileges, topology. Unreachable vs DNS vs refused vs timeout vs auth failed (18)
 * vs not authorized (13) vs each TLS certificate error are told apart.
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
      steps.push({ step: id, label: LABELS[id], ...(host ? { host } : {}), status: 'failed', ms: Math.round(deps.clock.monotonic() - start), detail: f.message, reason: f.reason, code: f.code });
      throw f;
    }
  }
  const skipRest = (from: TestStepId[], why: string) => {
    for (const id of from) if (!steps.some((s) => s.step === id)) steps.push({ step: id, label: LABELS[id], status: 'skipped', ms: null, detail: why });
  };

  try {
    // SSH hops: the tunnel layer will feed real steps here.
    if (target.sshHops.length > 0) {
      target.sshHops.forEach((h, i) =>
        steps.push({ step: 'ssh', label: `${LABELS.ssh} (${i + 1} of ${target.sshHops.length})`, host: `${h.host}:${h.port}`, status: 'failed', ms: null, detail: 'SSH tunnels are not available in this build yet: this hop cannot be opened.', reason: 'ssh-unavailable', code: 'E_UNSUPPORTED' }),
      );
      skipRest(['dns', 'tcp', 'tls', 'auth', 'privileges', 'topology'], 'not run: the SSH hops could not be opened');
      return result(false);
    }
    steps.push({ step: 'ssh', label: LABELS.ssh, status: 'skipped', ms: null, detail: 'no SSH hops: connecting directly' });

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

async function tlsProbe(seed: string, dialled: DialTarget & { address: string }, target: ConnectionTestTarget, timeoutMs: number, signal: AbortSignal): Promise<{ value: undefined; detail: string; status?: 'warning' }> {
  const files = await tlsFiles(target.form, target.secrets);
  const seedHost = seed.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const servername = dialled.servername ?? seedHost;
  const allowInvalidCerts = target.form.tls.allowInvalidCertificates === true;
  const allowInvalidHosts = target.form.tls.allowInvalidHostnames === true;
  const socket = await new Promise<TLSSocket>((resolve, reject) => {
    let s: TLSSocket;
    try {
      s = tlsConnect({
        host: dialled.address,
        port: dialled.port,
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
    const timer = setTimeout(() => done(new StepFailed('timeout', `no TLS handshake from ${dialled.address}:${dialled.port} within ${timeoutMs} ms (is TLS on at the server?)`, 'E_TIMEOUT')), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    s.once('secureConnect', () => done());
    s.once('error', (e) => {
      const m = errorMessage(e);
      if (/bad decrypt|bad password/i.test(m)) done(new StepFailed('tls-key-passphrase', 'the client key could not be decrypted: check its passphrase', 'E_INVALID_INPUT'));
      else done(asStepFailure(e));
    });
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
    return { value: undefined, detail: `${proto}, ${describeCert(cert)}${problems.length ? `; ${problems.join('; ')}` : ''}`, ...(problems.length ? { status: 'warning' as const } : {}) };
  } finally {
    socket.destroy();
  }
}
