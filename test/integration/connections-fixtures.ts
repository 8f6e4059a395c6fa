// Fixtures for the connections suites: X.509 material made by openssl (a CA, a server certificate for
// 127.0.0.1/localhost, an expired one, one for the wrong host name, one from an unknown CA, and a
// client certificate whose key is encrypted), and FerretDB started with TLS and/or SCRAM.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb, type FerretDb } from '../servers/ferretdb';
import { freePort, waitForPort } from '../servers/net';

export interface TestPki {
  dir: string;
  caFile: string;
  otherCaFile: string;
  server: { cert: string; key: string };
  expired: { cert: string; key: string };
  wrongHost: { cert: string; key: string };
  unknownCa: { cert: string; key: string };
  /** PEM with the client certificate and its key, encrypted with `clientKeyPassphrase`. */
  clientPem: string;
  clientKeyPassphrase: string;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`openssl ${args[0]} failed (is openssl installed? apt-get install -y openssl): ${(e as { stderr?: Buffer }).stderr?.toString() ?? String(e)}`, { cause: e });
  }
}

/** A CA plus leaf certificates signed by `openssl ca`, which can back-date validity (the expired cert). */
export function makeTestPki(clientKeyPassphrase: string): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'baleen-pki-'));
  const ca = (name: string, cn: string) => {
    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650', '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    writeFileSync(join(dir, `${name}.index`), '');
    writeFileSync(join(dir, `${name}.serial`), '1000\n');
    writeFileSync(
      join(dir, `${name}.cnf`),
      [
        '[ca]',
        'default_ca = ca_default',
        '[ca_default]',
        `dir = ${dir}`,
        `database = ${dir}/${name}.index`,
        `serial = ${dir}/${name}.serial`,
        `new_certs_dir = ${dir}`,
        `certificate = ${dir}/${name}.crt`,
        `private_key = ${dir}/${name}.key`,
        'default_md = sha256',
        'policy = policy_any',
        'copy_extensions = copy',
        'unique_subject = no',
        '[policy_any]',
        'commonName = supplied',
        '',
      ].join('\n'),
    );
  };
  const leaf = (name: string, caName: string, cn: string, san: string, dates: { start?: string; end?: string; days?: number }, keyArgs: string[] = ['-nodes'], eku = 'serverAuth') => {
    openssl(dir, ['req', '-new', '-newkey', 'rsa:2048', ...keyArgs, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`, ...(san ? ['-addext', `subjectAltName=${san}`] : []), '-addext', `extendedKeyUsage=${eku}`]);
    openssl(dir, [
      'ca',
      '-batch',
      '-config',
      `${caName}.cnf`,
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.crt`,
      '-notext',
      ...(dates.start ? ['-startdate', dates.start] : []),
      ...(dates.end ? ['-enddate', dates.end] : ['-days', String(dates.days ?? 365)]),
    ]);
  };
  ca('ca', 'Baleen Test CA');
  ca('other-ca', 'Some Other CA');
  leaf('server', 'ca', 'localhost', 'IP:127.0.0.1,DNS:localhost', {});
  leaf('expired', 'ca', 'localhost', 'IP:127.0.0.1,DNS:localhost', { start: '20200101000000Z', end: '20200201000000Z' });
  leaf('wrong-host', 'ca', 'db.wrong.example', 'DNS:db.wrong.example', {});
  leaf('unknown-ca', 'other-ca', 'localhost', 'IP:127.0.0.1,DNS:localhost', {});
  leaf('client', 'ca', 'baleen-client', '', {}, ['-passout', `pass:${clientKeyPassphrase}`], 'clientAuth');
  const clientPem = join(dir, 'client.pem');
  writeFileSync(clientPem, readFileSync(join(dir, 'client.crt'), 'utf8') + readFileSync(join(dir, 'client.key'), 'utf8'));
  const pair = (n: string) => ({ cert: join(dir, `${n}.crt`), key: join(dir, `${n}.key`) });
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    otherCaFile: join(dir, 'other-ca.crt'),
    server: pair('server'),
    expired: pair('expired'),
    wrongHost: pair('wrong-host'),
    unknownCa: pair('unknown-ca'),
    clientPem,
    clientKeyPassphrase,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface FerretTls extends FerretDb {
  tlsPort: number;
}

/** FerretDB with a TLS listener (and its plain one); `clientCa` makes it require client certificates. */
export async function startFerretDbTls(cert: { cert: string; key: string }, opts: { clientCa?: string; scram?: { user: string; password: string } } = {}): Promise<FerretTls> {
  let tlsPort = 0;
  const fdb = await startFerretDb({
    extraArgs: async () => {
      tlsPort = await freePort();
      return [
        `--listen-tls=127.0.0.1:${tlsPort}`,
        `--listen-tls-cert-file=${cert.cert}`,
        `--listen-tls-key-file=${cert.key}`,
        ...(opts.clientCa ? [`--listen-tls-ca-file=${opts.clientCa}`] : []),
        ...scramArgs(opts.scram),
      ];
    },
  });
  try {
    await waitForPort(tlsPort, 10_000);
  } catch (e) {
    await fdb.stop();
    throw e;
  }
  return { ...fdb, tlsPort };
}

export function scramArgs(scram: { user: string; password: string } | undefined): string[] {
  return scram ? ['--test-enable-new-auth', `--setup-username=${scram.user}`, `--setup-password=${scram.password}`, '--setup-database=admin'] : [];
}

/** Every form a canary can take in a file or a payload (RELIABILITY "Canary"). */
export function canaryForms(canary: string): string[] {
  const b = Buffer.from(canary, 'utf8');
  // Inside a longer base64 text the canary may start at any of three byte alignments: search the
  // characters that depend on its bytes only, for each alignment.
  const aligned = (enc: 'base64' | 'base64url') =>
    [0, 1, 2].map((k) => {
      const s = Buffer.concat([Buffer.alloc(k), b]).toString(enc);
      return s.slice(Math.ceil((4 * k) / 3), Math.floor((4 * (k + b.length)) / 3));
    });
  return [
    canary,
    ...aligned('base64'),
    ...aligned('base64url'),
    b.toString('hex'),
    b.toString('hex').toUpperCase(),
    encodeURIComponent(canary),
    [...canary].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
    Buffer.from(canary, 'utf16le').toString('latin1'),
  ];
}

/** Which forms of which canaries occur in `haystack` (a file's bytes read as latin1, or a JSON text). */
export function canaryHits(haystack: string, canaries: readonly string[]): string[] {
  const hits: string[] = [];
  for (const c of canaries) for (const f of canaryForms(c)) if (haystack.includes(f)) hits.push(`${c} as ${JSON.stringify(f).slice(0, 40)}`);
  return hits;
}

export interface Rejection {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** The error a call fails with; a call that succeeds fails the test. */
export function rejection(p: Promise<unknown>): Promise<Rejection> {
  return p.then(
    (v) => {
      throw new Error(`expected the call to fail, it returned ${JSON.stringify(v).slice(0, 200)}`);
    },
    (e: unknown) => e as Rejection,
  );
}
