// SEC-S3 (known_hosts reading) and FUZZ-6 (known_hosts lines: only typed errors escape).
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import ssh2 from 'ssh2';
import { BaleenError } from '../../../src-shared/domain/errors';
import { fingerprintOf, hostKeyFromBlob, type HostKey } from './host-key';
import { lookupKnownHost, parseKnownHosts, wildcardMatch } from './known-hosts.parser';

function newKey(type: 'ed25519' | 'ecdsa' = 'ed25519'): { line: string; key: HostKey } {
  const kp = type === 'ed25519' ? ssh2.utils.generateKeyPairSync('ed25519') : ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 });
  const [t, b64] = kp.public.split(' ') as [string, string];
  return { line: `${t} ${b64}`, key: hostKeyFromBlob(Buffer.from(b64, 'base64'))! };
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const A = newKey();
const B = newKey();
const C = newKey('ecdsa');

describe('known_hosts parser (SEC-S3)', () => {
  const table: { name: string; file: string; host: string; port: number; key: HostKey; want: string }[] = [
    { name: 'plain host', file: `db1.example.com ${A.line}`, host: 'db1.example.com', port: 22, key: A.key, want: 'match' },
    { name: 'host names compare case-insensitively', file: `DB1.Example.COM ${A.line}`, host: 'db1.example.com', port: 22, key: A.key, want: 'match' },
    { name: 'other key for the host is a mismatch', file: `db1 ${A.line}`, host: 'db1', port: 22, key: B.key, want: 'mismatch' },
    { name: 'comma list', file: `bastion,10.0.0.5,db1 ${A.line}`, host: '10.0.0.5', port: 22, key: A.key, want: 'match' },
    { name: 'wildcard', file: `*.prod.example.com ${A.line}`, host: 'db7.prod.example.com', port: 22, key: A.key, want: 'match' },
    { name: 'question mark', file: `db? ${A.line}`, host: 'db7', port: 22, key: A.key, want: 'match' },
    { name: 'negation vetoes a wildcard', file: `*.example.com,!evil.example.com ${A.line}`, host: 'evil.example.com', port: 22, key: B.key, want: 'unknown' },
    { name: 'bracketed port', file: `[db1]:2222 ${A.line}`, host: 'db1', port: 2222, key: A.key, want: 'match' },
    { name: 'non-default port is never looked up as a bare host', file: `db1 ${A.line}`, host: 'db1', port: 2222, key: A.key, want: 'unknown' },
    { name: 'a bracketed entry does not cover port 22', file: `[db1]:2222 ${A.line}`, host: 'db1', port: 22, key: A.key, want: 'unknown' },
    { name: 'wildcard inside brackets', file: `[*.example.com]:2222 ${A.line}`, host: 'db.example.com', port: 2222, key: A.key, want: 'match' },
    { name: 'hashed host', file: `${hashed('db1.example.com')} ${A.line}`, host: 'db1.example.com', port: 22, key: A.key, want: 'match' },
    { name: 'hashed host, other key', file: `${hashed('db1.example.com')} ${A.line}`, host: 'db1.example.com', port: 22, key: B.key, want: 'mismatch' },
    { name: 'hashed host with port', file: `${hashed('[db1]:2200')} ${A.line}`, host: 'db1', port: 2200, key: A.key, want: 'match' },
    { name: 'hashed bare host does not match another port', file: `${hashed('db1')} ${A.line}`, host: 'db1', port: 2200, key: A.key, want: 'unknown' },
    { name: '@revoked refuses even when another line trusts it', file: `db1 ${A.line}\n@revoked db1 ${A.line}`, host: 'db1', port: 22, key: A.key, want: 'revoked' },
    { name: '@revoked for * covers every host', file: `@revoked * ${A.line}`, host: 'anything', port: 2222, key: A.key, want: 'revoked' },
    { name: '@cert-authority counts as unknown', file: `@cert-authority *.example.com ${A.line}`, host: 'db.example.com', port: 22, key: A.key, want: 'unknown' },
    { name: 'comments, blank lines, CRLF, trailing comment field', file: `# mine\r\n\r\n   \r\ndb1 ${A.line} root@laptop\r\n`, host: 'db1', port: 22, key: A.key, want: 'match' },
    { name: 'a key of another type for a known host is a mismatch', file: `db1 ${C.line}`, host: 'db1', port: 22, key: A.key, want: 'mismatch' },
    { name: 'several keys, one matches', file: `db1 ${C.line}\ndb1 ${A.line}`, host: 'db1', port: 22, key: A.key, want: 'match' },
    { name: 'IPv6 literal with port', file: `[::1]:2222 ${A.line}`, host: '::1', port: 2222, key: A.key, want: 'match' },
  ];
  for (const t of table) {
    it(t.name, () => {
      expect(lookupKnownHost(parseKnownHosts(t.file, 'kh'), t.host, t.port, t.key).status).toBe(t.want);
    });
  }

  it('mismatch lists the known keys with their line', () => {
    const r = lookupKnownHost(parseKnownHosts(`x ${C.line}\ndb1 ${A.line}`, '/home/u/.ssh/known_hosts'), 'db1', 22, B.key);
    expect(r.status).toBe('mismatch');
    if (r.status !== 'mismatch') return;
    expect(r.known.map((e) => [e.line, fingerprintOf(e.key.blob)])).toEqual([[2, fingerprintOf(A.key.blob)]]);
  });

  const malformed: [string, string, RegExp][] = [
    ['missing key', 'db1 ssh-ed25519', /expected hosts, key type and key/],
    ['bad base64', 'db1 ssh-ed25519 %%%notbase64%%%', /not base64/],
    ['type and blob disagree', `db1 ssh-rsa ${A.line.split(' ')[1]}`, /the key says ssh-ed25519/],
    ['unknown marker', `@trusted db1 ${A.line}`, /unknown marker/],
    ['broken hashed host', `|1|abc ${A.line}`, /hashed host/],
    ['hashed host with a short salt', `|1|${Buffer.from('short').toString('base64')}|${Buffer.alloc(20).toString('base64')} ${A.line}`, /bad salt or hash/],
    ['empty pattern in a list', `db1,,db2 ${A.line}`, /empty host pattern/],
    ['garbage blob', 'db1 ssh-ed25519 AAAA', /not an SSH public key/],
  ];
  for (const [name, line, msg] of malformed) {
    it(`fails closed on a malformed line: ${name}`, () => {
      const text = `good ${A.line}\n${line}\n`;
      let err: unknown;
      try {
        parseKnownHosts(text, '/u/.ssh/known_hosts');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BaleenError);
      expect((err as BaleenError).code).toBe('E_PARSE');
      expect((err as BaleenError).message).toMatch(msg);
      expect((err as BaleenError).message).toContain('/u/.ssh/known_hosts line 2');
    });
  }

  it('wildcard matching is linear, not exponential', () => {
    const started = Date.now();
    expect(wildcardMatch('a'.repeat(5000) + 'b', '*a*a*a*a*a*a*a*a*a*a*c')).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('known_hosts fuzz (FUZZ-6)', () => {
  const token = fc.oneof(
    fc.constantFrom('@revoked', '@cert-authority', '@x', '|1|', '[', ']:', '*', '!', ',', '#', 'ssh-ed25519', 'ssh-rsa', 'AAAA', '=', '\t', ' ', '\r', '\n', '\u0000', '\uFFFF'),
    fc.string({ maxLength: 12 }),
    fc.base64String({ maxLength: 80 }),
    fc.constant(A.line),
    fc.constant(hashed('db1')),
  );
  const line = fc.array(token, { maxLength: 8 }).map((xs) => xs.join(''));

  it('only typed errors escape; successful parses answer lookups', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), fc.constantFrom('db1', '::1', 'a.example.com'), fc.integer({ min: 1, max: 65535 }), (lines, host, port) => {
        const text = lines.join('\n');
        try {
          const entries = parseKnownHosts(text, 'fuzz');
          const r = lookupKnownHost(entries, host, port, A.key);
          expect(['match', 'mismatch', 'revoked', 'unknown']).toContain(r.status);
        } catch (e) {
          expect(e).toBeInstanceOf(BaleenError);
          expect((e as BaleenError).code).toBe('E_PARSE');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('valid generated files always parse and find their own host', () => {
    const hostName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}(\.[a-z0-9-]{1,10}){0,3}$/);
    fc.assert(
      fc.property(hostName, fc.integer({ min: 1, max: 65535 }), fc.boolean(), (host, port, hash) => {
        const name = port === 22 ? host : `[${host}]:${port}`;
        const entries = parseKnownHosts(`${hash ? hashed(name) : name} ${A.line}`, 'gen');
        expect(lookupKnownHost(entries, host, port, A.key).status).toBe('match');
        expect(lookupKnownHost(entries, host, port, B.key).status).toBe('mismatch');
      }),
      { numRuns: 300 },
    );
  });
});
