import { createHmac, timingSafeEqual } from 'node:crypto';
import { BaleenError } from '../../../src-shared/domain/errors';
import { fingerprintOf, keyTypeOf, knownHostsName, type HostKey } from './host-key';

/**
 * OpenSSH known_hosts (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"), read-only: Baleen never writes the user's
 * file (SEC-S3). Unlike OpenSSH, which skips lines it cannot read, a malformed line fails the whole file:
 * a line we misread could be the one that pins the host, so we fail closed and say which line.
 */
export type KnownHostsMarker = 'cert-authority' | 'revoked';

export type HostMatcher =
  | { kind: 'hashed'; salt: Buffer; hash: Buffer }
  | { kind: 'patterns'; patterns: { negated: boolean; pattern: string }[] };

export interface KnownHostsEntry {
  source: string;
  line: number;
  marker: KnownHostsMarker | null;
  hosts: HostMatcher;
  key: HostKey;
}

export type KnownHostsLookup =
  /** A plain line for this host carries the presented key. */
  | { status: 'match'; entry: KnownHostsEntry }
  /** A `@revoked` line for this host carries the presented key: refuse, whatever else says. */
  | { status: 'revoked'; entry: KnownHostsEntry }
  /** The host is known, with other keys only: possible MITM. */
  | { status: 'mismatch'; known: KnownHostsEntry[] }
  /** Nothing about this host (`@cert-authority` lines count as nothing: ssh2 cannot check certificates). */
  | { status: 'unknown' };

const MAX_LINE = 64 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function malformed(source: string, line: number, why: string): BaleenError {
  return new BaleenError('E_PARSE', `${source} line ${line} cannot be read (${why}). Baleen refuses to guess at host keys: fix or remove that line.`, {
    source,
    line,
  });
}

function decodeBase64(s: string): Buffer | null {
  if (s.length % 4 !== 0 || !BASE64.test(s)) return null;
  return Buffer.from(s, 'base64');
}

function parseHosts(field: string, source: string, line: number): HostMatcher {
  if (field.startsWith('|')) {
    const m = /^\|1\|([^|]+)\|([^|]+)$/.exec(field);
    if (!m) throw malformed(source, line, 'a hashed host must be |1|salt|hash');
    const salt = decodeBase64(m[1]!);
    const hash = decodeBase64(m[2]!);
    if (!salt || salt.length !== 20 || !hash || hash.length !== 20) throw malformed(source, line, 'the hashed host has a bad salt or hash');
    return { kind: 'hashed', salt, hash };
  }
  const patterns = field.split(',').map((p) => {
    const negated = p.startsWith('!');
    const pattern = (negated ? p.slice(1) : p).toLowerCase();
    if (pattern === '') throw malformed(source, line, 'an empty host pattern');
    if (pattern.startsWith('|')) throw malformed(source, line, 'a hashed host cannot sit in a list');
    return { negated, pattern };
  });
  return { kind: 'patterns', patterns };
}

/** Parses a whole file's text; throws E_PARSE naming the first bad line. */
export function parseKnownHosts(text: string, source = 'known_hosts'): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    if (raw.length > MAX_LINE) throw malformed(source, lineNo, 'the line is longer than 64 KiB');
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/[ \t]+/);
    let marker: KnownHostsMarker | null = null;
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@cert-authority') marker = 'cert-authority';
      else if (m === '@revoked') marker = 'revoked';
      else throw malformed(source, lineNo, `unknown marker ${JSON.stringify(m.slice(0, 40))}`);
    }
    if (fields.length < 3) throw malformed(source, lineNo, 'expected hosts, key type and key');
    const [hostField, typeField, keyField] = fields as [string, string, string];
    const hosts = parseHosts(hostField, source, lineNo);
    const blob = decodeBase64(keyField);
    if (!blob) throw malformed(source, lineNo, 'the key is not base64');
    const embedded = keyTypeOf(blob);
    if (embedded === null) throw malformed(source, lineNo, 'the key is not an SSH public key');
    if (embedded !== typeField) throw malformed(source, lineNo, `the key says ${embedded} but the line says ${typeField.slice(0, 40)}`);
    entries.push({ source, line: lineNo, marker, hosts, key: { type: embedded, blob } });
  }
  return entries;
}

/** OpenSSH's match_pattern: `*` any run, `?` one character; whole-string, iterative (no regex, no blow-up). */
export function wildcardMatch(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === '*') {
      star = p++;
      mark = t;
    } else if (pc !== undefined && (pc === '?' || pc === text[t])) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** A pattern list as OpenSSH reads it: any negated match vetoes, otherwise any positive match wins. */
export function matchPatternList(name: string, patterns: readonly { negated: boolean; pattern: string }[]): boolean {
  let positive = false;
  for (const { negated, pattern } of patterns) {
    if (wildcardMatch(name, pattern)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

export function entryMatchesHost(entry: KnownHostsEntry, host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  if (entry.hosts.kind === 'hashed') {
    const h = createHmac('sha1', entry.hosts.salt).update(name).digest();
    return timingSafeEqual(h, entry.hosts.hash);
  }
  return matchPatternList(name, entry.hosts.patterns);
}

const sameKey = (a: HostKey, b: HostKey) => a.type === b.type && a.blob.equals(b.blob);

export function lookupKnownHost(entries: readonly KnownHostsEntry[], host: string, port: number, presented: HostKey): KnownHostsLookup {
  const forHost = entries.filter((e) => entryMatchesHost(e, host, port));
  const revoked = forHost.find((e) => e.marker === 'revoked' && sameKey(e.key, presented));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === null);
  const match = plain.find((e) => sameKey(e.key, presented));
  if (match) return { status: 'match', entry: match };
  if (plain.length > 0) return { status: 'mismatch', known: plain };
  return { status: 'unknown' };
}

/** Key types known for a host, so the handshake can ask for one of them first. */
export function knownKeyTypes(entries: readonly KnownHostsEntry[], host: string, port: number): string[] {
  const types: string[] = [];
  for (const e of entries) if (e.marker === null && entryMatchesHost(e, host, port) && !types.includes(e.key.type)) types.push(e.key.type);
  return types;
}

export const describeEntry = (e: KnownHostsEntry): string => `${e.source}:${e.line} (${e.key.type} ${fingerprintOf(e.key.blob)})`;
